"""`res.lang` (readable by everyone) and `decimal.precision` (read by internal users; the digits
float fields round to)."""

from __future__ import annotations

from ..fields import Boolean, Char, Integer, Selection
from ..model import Model


class ResLang(Model):
    _name = "res.lang"
    _description = "Languages"
    _order = "active desc, name"
    _unique = ((("code",), "The code of the language must be unique!"),)

    name = Char("Name", required=True)
    code = Char("Locale Code", required=True)
    iso_code = Char("ISO code")
    url_code = Char("URL Code", required=True)
    active = Boolean("Active", default=False)
    direction = Selection([("ltr", "Left-to-Right"), ("rtl", "Right-to-Left")], "Direction", default="ltr")
    date_format = Char("Date Format", required=True, default="%m/%d/%Y")
    time_format = Char("Time Format", required=True, default="%H:%M:%S")
    decimal_point = Char("Decimal Separator", required=True, default=".")
    thousands_sep = Char("Thousands Separator", default=",")


class DecimalPrecision(Model):
    _name = "decimal.precision"
    _description = "Decimal Precision"
    _unique = ((("name",), "Only one value can be defined for each given usage!"),)

    name = Char("Usage", required=True, index=True)
    digits = Integer("Digits", required=True, default=2)
