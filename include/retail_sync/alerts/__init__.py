"""What people read when something needs them: alert messages and the masking of personal data in them."""
