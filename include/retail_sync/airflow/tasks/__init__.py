"""What each DAG's tasks call: the flow's entry point wired to connections, outcomes turned into task states."""
