"""Text normalisation before synthesis: numbers, prices, phone numbers, units, abbreviations.

Piper (espeak phonemes) reads "100 kN" as letters; callers must hear "one hundred
kilonewtons".  English and Russian; number words come from num2words.
"""

from __future__ import annotations

import re

from num2words import num2words

# unit -> (en singular, en plural, ru one, ru few (2-4), ru many (5+), ru genitive singular for fractions)
UNITS: dict[str, tuple[str, str, str, str, str]] = {
    "kN": ("kilonewton", "kilonewtons", "килоньютон", "килоньютона", "килоньютонов"),
    "N": ("newton", "newtons", "ньютон", "ньютона", "ньютонов"),
    "MPa": ("megapascal", "megapascals", "мегапаскаль", "мегапаскаля", "мегапаскалей"),
    "kPa": ("kilopascal", "kilopascals", "килопаскаль", "килопаскаля", "килопаскалей"),
    "kg": ("kilogram", "kilograms", "килограмм", "килограмма", "килограммов"),
    "g": ("gram", "grams", "грамм", "грамма", "граммов"),
    "t": ("tonne", "tonnes", "тонна", "тонны", "тонн"),
    "mm": ("millimetre", "millimetres", "миллиметр", "миллиметра", "миллиметров"),
    "cm": ("centimetre", "centimetres", "сантиметр", "сантиметра", "сантиметров"),
    "m": ("metre", "metres", "метр", "метра", "метров"),
    "km": ("kilometre", "kilometres", "километр", "километра", "километров"),
    "km/h": ("kilometre per hour", "kilometres per hour", "километр в час", "километра в час", "километров в час"),
    "kWh": ("kilowatt hour", "kilowatt hours", "киловатт-час", "киловатт-часа", "киловатт-часов"),
    "kW": ("kilowatt", "kilowatts", "киловатт", "киловатта", "киловатт"),
    "MW": ("megawatt", "megawatts", "мегаватт", "мегаватта", "мегаватт"),
    "W": ("watt", "watts", "ватт", "ватта", "ватт"),
    "kV": ("kilovolt", "kilovolts", "киловольт", "киловольта", "киловольт"),
    "V": ("volt", "volts", "вольт", "вольта", "вольт"),
    "mA": ("milliamp", "milliamps", "миллиампер", "миллиампера", "миллиампер"),
    "A": ("amp", "amps", "ампер", "ампера", "ампер"),
    "kHz": ("kilohertz", "kilohertz", "килогерц", "килогерца", "килогерц"),
    "MHz": ("megahertz", "megahertz", "мегагерц", "мегагерца", "мегагерц"),
    "Hz": ("hertz", "hertz", "герц", "герца", "герц"),
    "°C": ("degree Celsius", "degrees Celsius", "градус Цельсия", "градуса Цельсия", "градусов Цельсия"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit", "градус Фаренгейта", "градуса Фаренгейта", "градусов Фаренгейта"),
    "%": ("percent", "percent", "процент", "процента", "процентов"),
    "ms": ("millisecond", "milliseconds", "миллисекунда", "миллисекунды", "миллисекунд"),
    "GB": ("gigabyte", "gigabytes", "гигабайт", "гигабайта", "гигабайт"),
    "MB": ("megabyte", "megabytes", "мегабайт", "мегабайта", "мегабайт"),
    "l": ("litre", "litres", "литр", "литра", "литров"),
    "h": ("hour", "hours", "час", "часа", "часов"),
    "min": ("minute", "minutes", "минута", "минуты", "минут"),
    "s": ("second", "seconds", "секунда", "секунды", "секунд"),
    # Russian spellings of units
    "кН": ("kilonewton", "kilonewtons", "килоньютон", "килоньютона", "килоньютонов"),
    "кг": ("kilogram", "kilograms", "килограмм", "килограмма", "килограммов"),
    "г": ("gram", "grams", "грамм", "грамма", "граммов"),
    "мм": ("millimetre", "millimetres", "миллиметр", "миллиметра", "миллиметров"),
    "см": ("centimetre", "centimetres", "сантиметр", "сантиметра", "сантиметров"),
    "м": ("metre", "metres", "метр", "метра", "метров"),
    "км": ("kilometre", "kilometres", "километр", "километра", "километров"),
    "кВт": ("kilowatt", "kilowatts", "киловатт", "киловатта", "киловатт"),
    "Вт": ("watt", "watts", "ватт", "ватта", "ватт"),
    "В": ("volt", "volts", "вольт", "вольта", "вольт"),
    "Гц": ("hertz", "hertz", "герц", "герца", "герц"),
    "ч": ("hour", "hours", "час", "часа", "часов"),
    "мин": ("minute", "minutes", "минута", "минуты", "минут"),
    "л": ("litre", "litres", "литр", "литра", "литров"),
}
_FEMININE_RU = {"тонна", "миллисекунда", "минута", "секунда"}

ABBREVIATIONS = {
    "en": [
        (r"\be\.g\.", "for example"),
        (r"\bi\.e\.", "that is"),
        (r"\betc\.", "et cetera"),
        (r"\bapprox\.", "approximately"),
        (r"\bvs\.?", "versus"),
        (r"\bmax\.", "maximum"),
        (r"\bmin\.(?=\s)", "minimum"),
        (r"\bno\.(?=\s*\d)", "number"),
        (r"\bDr\.", "Doctor"),
        (r"\bMr\.", "Mister"),
        (r"\bMrs\.", "Missus"),
        (r"\bSt\.", "Street"),
        (r"\bMon\b", "Monday"),
        (r"\bFri\b", "Friday"),
        (r"\bincl\.", "including"),
        (r"\bdept\.", "department"),
        (r"\bext\.", "extension"),
        (r"\bw/", "with "),
        (r"&", " and "),
    ],
    "ru": [
        (r"\bт\.\s?е\.", "то есть"),
        (r"\bи т\.\s?д\.", "и так далее"),
        (r"\bи т\.\s?п\.", "и тому подобное"),
        (r"\bт\.\s?к\.", "так как"),
        (r"\bнапр\.", "например"),
        (r"\bприбл\.", "приблизительно"),
        (r"\bок\.(?=\s)", "около"),
        (r"\bмакс\.", "максимум"),
        (r"\bмин\.(?=\s)", "минимум"),
        (r"\bдоб\.", "добавочный"),
        (r"\bул\.", "улица"),
        (r"\bг\.(?=\s+[А-ЯЁ])", "город"),
        (r"&", " и "),
    ],
}

CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB"}
_CUR_WORDS_RU = {"руб.": "RUB", "руб": "RUB", "₽": "RUB", "р.": "RUB"}

_NUM = r"\d+(?:[.,]\d+)?"


#: A product or model code: letters, a hyphen (or none), digits, maybe a letter suffix:
#: "XY-220", "UTM-300", "RTX3090", "HT-200e".  Not "ISO 6892-1" (digits first) nor "COVID-19"
#: (read as a word: more than 4 letters).
_CODE = re.compile(r"(?<![\w-])([A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]{0,3})(-?)(\d{1,6}(?:(?<=\d)[.,]\d{1,2}(?=[^\d]|$))?)"
                   r"([A-Za-zА-Яа-яЁё]{0,2})(?![\w-])")
#: Russian letter names, for codes spelled letter by letter ("ПГ-40" -> "пэ гэ сорок").
_RU_LETTERS = dict(zip("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ",
                       "а бэ вэ гэ дэ е ё жэ зэ и и ка эль эм эн о пэ эр эс тэ у эф ха цэ че ша ща э ю я".split()))


def say_code_digits(digits: str, lang: str = "en") -> str:
    """A code's digit group as people read it: "220" "two twenty", "300" "three hundred",
    "205" "two oh five", "9000" "nine thousand", "2024" "twenty twenty-four", "05" "oh five";
    longer groups digit by digit.  Never "two hundred and twenty"."""
    if lang != "en":
        return number_words(int(digits), lang) if len(digits) <= 3 and not digits.startswith("0") else say_digits(digits, lang)
    n = len(digits)

    def pair(two: str) -> str:  # "20" twenty, "05" oh five, "00" hundred (handled by callers)
        return f"oh {num2words(int(two[1]))}" if two[0] == "0" else num2words(int(two))

    if digits.startswith("0") or n > 4:
        return " ".join("oh" if d == "0" else num2words(int(d)) for d in digits)
    if n <= 2:
        return num2words(int(digits))
    if n == 3:
        head, tail = digits[0], digits[1:]
        return f"{num2words(int(head))} hundred" if tail == "00" else f"{num2words(int(head))} {pair(tail)}"
    value = int(digits)  # four digits
    if value % 1000 == 0:
        return f"{num2words(value // 1000)} thousand"
    if digits[2:] == "00":
        return f"{num2words(int(digits[:2]))} hundred"
    return f"{num2words(int(digits[:2]))} {pair(digits[2:])}"


def _say_code(m: re.Match[str], lang: str) -> str:
    letters, _, digits, suffix = m.groups()
    # Short capitals are spelled ("XY" -> "X Y"); a word-like part is said as it is ("Pro").
    head = " ".join(letters) if letters.isupper() or len(letters) <= 2 else letters
    if lang == "ru" and letters.isupper():
        head = " ".join(_RU_LETTERS.get(c, c) for c in letters)
    tail = " ".join(suffix.upper()) if suffix else ""
    whole, _, fraction = digits.replace(",", ".").partition(".")
    said = say_code_digits(whole, lang)
    if fraction:  # "ГБ-1,2": "гэ бэ один запятая два"; "KP-1.5": "K P one point five"
        said += f" {'запятая' if lang == 'ru' else 'point'} {say_code_digits(fraction, lang)}"
    return " ".join(part for part in (head, said, tail) if part)


def _lang(language: str) -> str:
    return "ru" if language.startswith("ru") else "en"


def _parse_number(text: str, lang: str) -> float | int:
    """"1,200" / "1 200" / "3.5" / "3,5" (ru) as a number."""
    t = text.replace("\u00a0", "").replace(" ", "")
    if lang == "en":
        t = t.replace(",", "")
    else:
        t = t.replace(",", ".")
    return float(t) if "." in t else int(t)


def number_words(value: float | int, lang: str = "en") -> str:
    if isinstance(value, float) and value.is_integer() and not lang == "en":
        value = int(value)
    words = num2words(value, lang=lang)
    return words.replace(",", "") if lang == "en" else _ru_spoken(words)


def _ru_form(value: float | int, forms: tuple[str, str, str]) -> str:
    if isinstance(value, float) and not value.is_integer():
        return forms[1]  # fractions take the genitive singular: "две целых пять десятых метра"
    n = abs(int(value))
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def _ru_spoken(words: str) -> str:
    """As people say it: "тысяча восемьсот", not num2words' "одна тысяча восемьсот"."""
    return re.sub(r"^одна тысяча\b", "тысяча", words)


def _ru_number(value: float | int, feminine: bool) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if feminine and isinstance(value, int):
        try:
            return _ru_spoken(num2words(value, lang="ru", gender="f"))
        except TypeError:
            pass
    return _ru_spoken(num2words(value, lang="ru"))


def say_quantity(value: float | int, unit: str, lang: str) -> str:
    u = UNITS[unit]
    if lang == "en":
        return f"{number_words(value, 'en')} {u[0] if value == 1 else u[1]}"
    form = _ru_form(value, (u[2], u[3], u[4]))
    return f"{_ru_number(value, u[2] in _FEMININE_RU)} {form}"


def say_digits(digits: str, lang: str) -> str:
    return " ".join(num2words(int(d), lang=lang) for d in digits)


def _phone(m: re.Match[str], lang: str) -> str:
    groups = re.findall(r"\d+", m.group(0))
    spoken = ", ".join(say_digits(g, lang) for g in groups)
    if m.group(0).lstrip().startswith("+"):
        spoken = ("plus " if lang == "en" else "плюс ") + spoken
    return spoken


def _money(amount: str, code: str, lang: str) -> str:
    value = _parse_number(amount, lang)
    words = num2words(float(value), lang=lang, to="currency", currency=code)  # an int would be read as cents
    if isinstance(value, int) or float(value).is_integer():
        # drop "zero cents" / ", ноль копеек"
        words = re.sub(r",?\s*(zero cents|ноль (копеек|центов|евроцентов)|zero pence)$", "", words)
    return words.replace(",", "") if lang == "en" else words


_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))


#: "1 250 000": a Russian number grouped by thousands with spaces, not a phone number.
_RU_THOUSANDS = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+")


def normalize_text(text: str, language: str = "en") -> str:
    """Spell out what a TTS voice would misread, for ``language`` "en" or "ru"."""
    lang = _lang(language)
    t = " ".join(text.split())
    for pattern, repl in ABBREVIATIONS[lang]:
        t = re.sub(pattern, repl, t, flags=re.IGNORECASE if lang == "en" else 0)
    # product and model codes, before any number rule reads their digits as a quantity
    t = _CODE.sub(lambda m: _say_code(m, lang), t)
    t = re.sub(r"\b24\s*/\s*7\b", "twenty-four seven" if lang == "en" else "круглосуточно", t)
    # phone numbers: +1 555-123-4567, (555) 123-4567, 8 800 555-35-35 -> digit by digit
    t = re.sub(
        r"(?<![\w.,])\+?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{2,4}\)?){2,5}(?![\w,.]\d)",
        lambda m: _phone(m, lang) if sum(c.isdigit() for c in m.group(0)) >= 7 and re.search(r"[\s().+-]", m.group(0))
        and not (lang == "ru" and _RU_THOUSANDS.fullmatch(m.group(0).strip())) else m.group(0),
        t,
    )
    # prices: $1,200.50  /  1 200 ₽  /  500 руб.
    t = re.sub(
        r"([$€£₽])\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)",
        lambda m: _money(m.group(2), CURRENCIES[m.group(1)], lang),
        t,
    )
    t = re.sub(
        r"(\d{1,3}(?:[ \u00a0]\d{3})+|\d+(?:[.,]\d+)?)\s?(₽|руб\.?|р\.)(?!\w)",
        lambda m: _money(m.group(1).replace(" ", "").replace("\u00a0", ""), "RUB", lang),
        t,
    )
    # times 10:30
    t = re.sub(
        r"\b([01]?\d|2[0-3]):([0-5]\d)\b",
        lambda m: _time(int(m.group(1)), int(m.group(2)), lang),
        t,
    )
    # ordinals 1st 2nd 3rd 4th
    if lang == "en":
        t = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: num2words(int(m.group(1)), to="ordinal"), t)
    # quantities with units: 100 kN, 2.5 kg, 20 °C, 50%
    thousands = r"\d{1,3}(?:,\d{3})+" if lang == "en" else r"\d{1,3}(?:[ \u00a0]\d{3})+"
    t = re.sub(
        rf"({thousands}(?:\.\d+)?|{_NUM})\s?({_UNIT_ALT})(?![\w/])",
        lambda m: say_quantity(_parse_number(m.group(1), lang), m.group(2), lang),
        t,
    )
    # remaining numbers: thousands separators, decimals, plain integers; long digit runs digit by digit
    t = re.sub(rf"{thousands}(?:\.\d+)?", lambda m: number_words(_parse_number(m.group(0), lang), lang), t)
    t = re.sub(
        r"\d+(?:[.,]\d+)?" if lang == "ru" else r"\d+(?:\.\d+)?",
        lambda m: say_digits(m.group(0), lang) if len(m.group(0)) > 9 and m.group(0).isdigit()
        else number_words(_parse_number(m.group(0), lang), lang),
        t,
    )
    return " ".join(t.split())


def _time(h: int, m: int, lang: str) -> str:
    if lang == "en":
        if m == 0:
            return f"{num2words(h)} o'clock" if h else "midnight"
        return f"{num2words(h)} {('oh ' + num2words(m)) if m < 10 else num2words(m)}"
    hours = f"{num2words(h, lang='ru')} {_ru_form(h, ('час', 'часа', 'часов'))}"
    if m == 0:
        return hours
    minutes = f"{_ru_number(m, True)} {_ru_form(m, ('минута', 'минуты', 'минут'))}"
    return f"{hours} {minutes}"
