"""A light Russian stemmer and stop words, for BM25 terms and the grounding check's word overlap.

Russian inflects every noun and adjective (пресс, пресса, прессе, прессом), so a caller's
"сколько весит пресс ПГ-40" shares few exact words with "Пресс весит 410 кг".  Cutting the
inflectional ending, the same on both sides, is enough for matching: this is a greedy
longest-ending strip (a small subset of the Snowball Russian stemmer's endings), keeping at
least three letters of the stem.  ё is folded to е (callers' recognisers write either).
"""

from __future__ import annotations

import re

_CYRILLIC = re.compile(r"[а-яё]")

#: Inflectional endings, longest first (adjective, participle, verb, noun endings).
_ENDINGS = tuple(sorted(set("""
ившись ывшись ующая ующий ующие ующее ующих ующим ующую ующей
ейшая ейший ейшее ейшие ейших ейшим ейшую ейшей
ость ости остью остей остям
ами ями иями ием иях ах ях ам ям ов ев ей ой ий ый ая яя ое ее ые ие ого его ому ему ым им ом ем ую юю
ться тся ешь ете ишь ите ует уют ит ат ят ут ют ет ла ло ли ть ти ал ил ел ыл
ия ие ии ию ья ье ьи ью а я о е ы и у ю ь й
""".split()), key=len, reverse=True))

STOPWORDS_RU = frozenset(
    """и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только ее её мне
    было вот от меня еще ещё нет о об из ему теперь когда даже ну ли если уже или ни быть был него до вас
    нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем
    была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой какая
    какие какое каков совсем ним здесь этом почти мой тем чтобы нее неё сейчас были куда зачем всех никогда
    можно при наконец после над больше тот через эти нас про всего них разве эту моя впрочем свою этой
    перед иногда лучше чуть том нельзя такой им более всегда между это ваш ваша ваши вашей вашего наш
    наша наши нашей нашего скажите подскажите пожалуйста здравствуйте добрый день спасибо хочу хотел
    хотела бы знать узнать интересует меня мне нужно нужен нужна какую каким каких какого какому какими
    каково какова сколько который которая которое которые""".split()
)

#: "стоит на/в/у" is "is fitted on, stands in", not "costs" ("Какой мощности двигатель стоит на
#: ВК-150?"), unless the question also asks the price ("сколько стоит", "почём", "цена").
STANDS_ON = re.compile(r"^(?!.*(сколько\s+(\w+\s+)?сто|поч[её]м|цен|стоимост)).*(?<!\w)сто(ит|ят)\s+(на|в|во|у)(?!\w)",
                       re.IGNORECASE)


def is_russian(word: str) -> bool:
    return bool(_CYRILLIC.search(word))


def stem_ru(word: str) -> str:
    """The word without its inflectional ending ("прессом" -> "пресс", "весит" -> "вес").
    A reflexive verb loses its -ся/-сь first, as in Snowball ("находитесь", "находятся" ->
    "наход"), so a caller's verb meets the document's in another person."""
    w = word.lower().replace("ё", "е")
    if len(w) <= 4:
        return w
    if w.endswith(("ся", "сь")) and len(w) - 2 >= 4:
        w = w[:-2]
    for ending in _ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            return w[: -len(ending)]
    return w


# -- number words -> digits ("пятьдесят четыре тысячи" -> "54000") ---------------------------

_UNITS_RU = {
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "одно": 1, "одного": 1, "одной": 1, "одну": 1, "два": 2, "две": 2,
    "двух": 2, "три": 3, "трех": 3, "трёх": 3, "четыре": 4, "четырех": 4, "четырёх": 4, "пять": 5, "пяти": 5,
    "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9,
    "десять": 10, "десяти": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
}
_TENS_RU = {"двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
            "восемьдесят": 80, "девяносто": 90, "двадцати": 20, "тридцати": 30, "сорока": 40, "пятидесяти": 50}
_HUNDREDS_RU = {"сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600,
                "семьсот": 700, "восемьсот": 800, "девятьсот": 900}
_SCALES_RU = {"тысяча": 1000, "тысячи": 1000, "тысяч": 1000, "тысячу": 1000, "миллион": 1_000_000,
              "миллиона": 1_000_000, "миллионов": 1_000_000}


def _word_value(word: str) -> tuple[int, int] | None:
    """(value, rank) of a number word: rank 0 units/teens, 1 tens, 2 hundreds, 3 scales."""
    for table, rank in ((_UNITS_RU, 0), (_TENS_RU, 1), (_HUNDREDS_RU, 2), (_SCALES_RU, 3)):
        if word in table:
            return table[word], rank
    return None


def russian_numbers_to_digits(text: str) -> str:
    """Russian number words as digits, the rest of the (lower-case) text unchanged:
    "стоит пятьдесят четыре тысячи евро" -> "стоит 54000 евро"; "два три" stays two numbers."""
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if _word_value(tokens[i].strip(".,;:!?")) is None:
            out.append(tokens[i])
            i += 1
            continue
        total, current, last_rank, j, seen = 0, 0, 9, i, False
        while j < len(tokens):
            word = tokens[j].strip(".,;:!?")
            wv = _word_value(word)
            if wv is None:
                break
            value, rank = wv
            if rank == 3:
                total += (current or 1) * value
                current, last_rank = 0, 9
            else:
                if seen and current and rank >= last_rank:
                    break  # "два три": two numbers
                current += value
                last_rank = rank if not (rank == 0 and value >= 10) else 0
            seen = True
            trailing = tokens[j][len(tokens[j].rstrip(".,;:!?")):]
            j += 1
            if trailing:
                break
        out.append(f"{total + current}{trailing}")
        i = j
    return " ".join(out)


def is_number_word(word: str) -> bool:
    """"пятьсот", "тысяч": a number said in words (compared as digits, not as a word)."""
    return _word_value(word.lower()) is not None
