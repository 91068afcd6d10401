"""The Russian language pack: one config value switches language; Russian words, numbers,
grounding, retrieval, voice and recogniser work; the Russian models are checked.

The end-to-end Russian call through Asterisk is in tests/test_russian_call.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from appliance.agent.grounding import attribute_fits, is_grounded
from appliance.call import intents
from appliance.cli.main import main
from appliance.config import ConfigError
from appliance.config.manifest import load_manifest
from appliance.config.settings import settings_from_dict
from appliance.speech_out.normalize import normalize_text

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "models" / "manifest.toml"
KB_RU = REPO / "kb" / "sample_ru"
_m = load_manifest(MANIFEST)
RU_ROLES = ("asr_ru", "embeddings_ru")
needs_ru_models = pytest.mark.skipif(any(_m.get(r).absent for r in RU_ROLES),
                                     reason="Russian models not installed (appliance models install --group ru)")
needs_festival = pytest.mark.skipif(shutil.which("text2wave") is None, reason="festival not installed")


def ru_settings(tmp_path: Path, **extra: dict) -> object:
    raw = {"data_dir": str(tmp_path / "data"), "agent": {"language": "ru"},
           "knowledge": {"source_dir": str(KB_RU)}}
    for table, values in extra.items():
        raw.setdefault(table, {}).update(values)
    return settings_from_dict(raw, REPO)


# --- the pack as a unit ------------------------------------------------------------------------


def test_one_value_selects_the_russian_models_voice_and_prompts(tmp_path):
    s = ru_settings(tmp_path)
    assert (s.asr.role, s.knowledge.embeddings_role, s.knowledge.collection) == ("asr_ru", "embeddings_ru",
                                                                                 "knowledge_ru")
    assert (s.tts.engine, s.tts.voice) == ("festival", "msu_ru_nsh_clunits")
    assert s.llm.role.startswith("llm_qwen")
    assert _m.get(s.asr.role).language == "ru"
    from appliance.agent.prompts import load_prompts

    p = load_prompts(s.agent.prompts_file)
    assert p.greeting.startswith("Здравствуйте, вы позвонили в компанию")
    assert "соедин" in p.phrases["transfer"].lower() and "до свидания" in p.phrases["farewell"].lower()
    # English stays as it was
    en = settings_from_dict({}, REPO)
    assert (en.asr.role, en.tts.engine, en.llm.role, en.knowledge.embeddings_role) == ("", "piper", "llm", "embeddings")


def test_a_key_the_config_sets_wins_over_the_pack(tmp_path):
    """A Russian Piper voice put in the manifest as "tts_ru" (models/README.md) replaces Festival."""
    s = ru_settings(tmp_path, llm={"role": "llm_qwen_0_5b"}, tts={"engine": "piper", "role": "tts_ru"})
    assert s.llm.role == "llm_qwen_0_5b" and (s.tts.engine, s.tts.role) == ("piper", "tts_ru")
    assert s.asr.role == "asr_ru" and s.knowledge.embeddings_role == "embeddings_ru"


def test_an_unknown_pack_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"agent.language: no language pack 'xx' \(packaged: en, ru"):
        settings_from_dict({"agent": {"language": "xx"}}, REPO)


# --- intents and back-channels ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Соедините с оператором", "соедините меня с менеджером, пожалуйста",
                                  "Можно поговорить с живым человеком?", "оператора, пожалуйста",
                                  "Можно поговорить с менеджером?", "Мне нужен специалист",
                                  "Сиди, ницем, и неосоператорам."])
def test_russian_requests_for_a_person(text):
    assert intents.wants_operator(text) and intents.worth_interrupting(text)
    assert not intents.is_backchannel(text)


@pytest.mark.parametrize("text", ["Сколько у вас сотрудников?", "Менеджер сказал, что доставка бесплатная.",
                                  "Сколько стоит пресс ПГ-40?"])
def test_russian_questions_that_mention_people_are_questions(text):
    assert not intents.wants_operator(text)


@pytest.mark.parametrize("text", ["До свидания.", "Всё, спасибо, до свидания!", "Больше вопросов нет."])
def test_russian_goodbyes(text):
    assert intents.says_goodbye(text)


@pytest.mark.parametrize("text", ["Угу.", "Да-да.", "Ага", "угу, понятно", "Мм, хорошо."])
def test_russian_back_channels_are_not_a_turn(text):
    assert intents.is_backchannel(text) and not intents.worth_interrupting(text)


def test_russian_questions_yes_no_and_lead_words():
    assert not intents.is_backchannel("Сколько стоит пресс ПГ-40?")
    assert not intents.wants_operator("Сколько стоит пресс ПГ-40?")
    assert intents.is_yes("Да, всё верно.") and not intents.is_yes("Нет, неправильно.")
    assert intents.is_no("Нет, неправильно.")
    assert intents.wants_lead("Подготовьте мне коммерческое предложение")
    assert intents.extract_name("Меня зовут Иван Петров") == "Иван Петров"
    assert intents.extract_contact("мой номер восемь девять один шесть один два три четыре пять шесть семь") \
        == "89161234567"
    # English is unchanged
    assert intents.wants_operator("put me through to an operator") and intents.is_backchannel("uh-huh")


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, spoken", [
    ("Станок стоит 54 000 евро.", "Станок стоит пятьдесят четыре тысячи евро."),
    ("Пресс весит 410 кг.", "Пресс весит четыреста десять килограммов."),
    ("Пресс весит 1 850 кг.", "Пресс весит тысяча восемьсот пятьдесят килограммов."),
    ("Цена 1 250 000 рублей.", "Цена один миллион двести пятьдесят тысяч рублей."),
    ("Звоните: +7 343 210-45-67.", "Звоните: плюс семь, три четыре три, два один ноль, четыре пять, шесть семь."),
    ("Гарантия 24 месяца.", "Гарантия двадцать четыре месяца."),
])
def test_russian_numbers_are_read_with_case_and_gender(text, spoken):
    assert normalize_text(text, "ru") == spoken


def test_a_phone_number_is_read_back_digit_group_by_digit_group():
    contact = intents.extract_contact("мой телефон 8 916 123 45 67")
    assert contact == "89161234567"
    said = normalize_text(f"Мы свяжемся с вами по номеру {intents.spell_out_contact(contact)}.", "ru")
    assert said == ("Мы свяжемся с вами по номеру восемь девять один, шесть один два, три четыре пять, "
                    "шесть семь.")


# --- grounding ------------------------------------------------------------------------------------

CONTEXT = ("Прайс-лист. Пресс ПГ-40: 540 000 рублей. Пресс ПГ-100: 1 250 000 рублей. "
           "ПГ-40 — настольный гидравлический пресс с усилием 40 тонн. Пресс весит 410 кг.")


@pytest.mark.parametrize("answer, ok", [
    ("Пресс ПГ-40 стоит 540 000 рублей.", True),
    ("Пресс ПГ-40 стоит пятьсот сорок тысяч рублей.", True),
    ("Пресс ПГ-40 стоит 450 000 рублей.", False),
    ("Пресс ПГ-40 стоит четыреста пятьдесят тысяч рублей.", False),
    ("Пресс ПГ-40 весит 510 кг.", False),
    ("Мы также продаём лазерные станки и роботов-сварщиков.", False),
])
def test_a_russian_answer_with_a_wrong_figure_is_rejected(answer, ok):
    assert is_grounded(answer, CONTEXT, "Сколько стоит пресс ПГ-40?") is ok


def test_a_russian_weight_said_as_the_price_is_rejected():
    pieces = ["Пресс ПГ-40: 540 000 рублей.", "Пресс ПГ-40 весит 410 кг."]
    assert attribute_fits("Пресс ПГ-40 стоит 540 000 рублей.", "Сколько стоит пресс ПГ-40?", pieces)
    assert not attribute_fits("Пресс ПГ-40 стоит 410 кг.", "Сколько стоит пресс ПГ-40?", pieces)


def test_a_russian_comparison_is_answered_from_both_products_figures():
    """"Какой пресс мощнее по усилию, ПГ-40 или ПГ-100?" is answered with the force of each,
    not the first figure the model copies (it said the price); a figure of the same unit
    (tonnes of force beside a weight) is told apart by the word before it."""
    from appliance.agent.compare import compare
    from appliance.knowledge.base import Passage

    passages = [
        Passage(text="Пресс ПГ-40 развивает усилие 40 тонн и весит 410 кг. Мощность двигателя 3 кВт.", source="a.md",
                score=0.9, title="ПГ-40"),
        Passage(text="Пресс ПГ-100 развивает усилие 100 тонн и весит 1 850 кг. Мощность двигателя 7,5 кВт.",
                source="b.md", score=0.9, title="ПГ-100"),
        Passage(text="Цены: ПГ-40 стоит 540 000 рублей. ПГ-100 стоит 1 250 000 рублей.", source="c.md", score=0.9),
    ]

    def search(query: str) -> list[Passage]:
        return passages

    assert compare("Какой пресс мощнее по усилию, ПГ-40 или ПГ-100?", search) == \
        "ПГ-100 мощнее: 100 тонн, против 40 тонн у ПГ-40."
    assert compare("Какой из прессов тяжелее, ПГ-100 или ПГ-40?", search) == \
        "ПГ-100 тяжелее: 1 850 кг, против 410 кг у ПГ-40."
    assert compare("Что дешевле, ПГ-40 или ПГ-100?", search) == \
        "ПГ-40 дешевле: 540 000 рублей, против 1 250 000 рублей у ПГ-100."
    assert compare("Какой мощнее, ПГ-40 или ПГ-100?", search).startswith("ПГ-100 мощнее: 7,5 кВт")
    # one product, or a comparative the figures cannot decide: the model's turn
    assert compare("Сколько весит ПГ-40?", search) is None
    assert compare("Какой тише, ПГ-40 или ПГ-100?", search) is None


# --- the Russian models through the manifest ----------------------------------------------------


def _copy_role(tmp_path: Path, role: str) -> Path:
    """A manifest with only ``role``, its files copied into a scratch cache."""
    import tomllib

    raw = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    lines = [f"[{role}]"]
    table = raw[role]
    for k, v in table.items():
        if k != "files":
            lines.append(f"{k} = {v!r}".replace("'", '"'))
    for f in table["files"]:
        lines.append(f"[[{role}.files]]")
        for k in ("name", "size", "sha256"):
            lines.append(f"{k} = {f[k]!r}".replace("'", '"'))
        lines.append('source = "x/y"')
    (tmp_path / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    src, dst = _m.get(role).install_dir, tmp_path / "cache" / role
    shutil.copytree(src, dst)
    return tmp_path / "manifest.toml"


@pytest.mark.models
@needs_ru_models
def test_verify_fails_with_one_line_when_a_russian_model_is_altered_or_missing(tmp_path, capsys):
    manifest = _copy_role(tmp_path, "embeddings_ru")
    config = tmp_path / "appliance.toml"
    config.write_text(f'models_manifest = "{manifest}"\n[agent]\nlanguage = "ru"\n', encoding="utf-8")
    assert main(["--config", str(config), "models", "verify"]) == 0
    weights = tmp_path / "cache" / "embeddings_ru" / "use-m3" / "weights.npz"
    data = bytearray(weights.read_bytes())
    data[1000] ^= 0xFF
    weights.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["--config", str(config), "models", "verify"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "embeddings_ru" in err[0] and "sha256 differs" in err[0], err
    weights.unlink()
    assert main(["--config", str(config), "models", "verify"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "weights.npz is missing" in err[0] and "--group ru" in err[0], err


# --- retrieval ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ru_store(tmp_path_factory):
    from appliance.knowledge import create_knowledge_store

    s = ru_settings(tmp_path_factory.mktemp("ru"))
    store = create_knowledge_store(s)
    store.ingest(KB_RU)
    yield store
    store.close()


@pytest.mark.models
@needs_ru_models
@pytest.mark.parametrize("question, fact", [
    ("Сколько весит пресс ПГ-40?", "410 кг"),
    ("Сколько стоит токарный станок ТС-16?", "890 000"),
    ("Какая гарантия на прессы?", "24 месяца"),
    ("Сколько стоит доставка по Екатеринбургу?", "6 000"),
    ("Какой телефон у отдела продаж?", "210-45-67"),
])
def test_russian_questions_find_their_passage(ru_store, question, fact):
    passages = ru_store.search(question, top_k=3)
    assert passages and any(fact in p.text for p in passages), [p.text[:80] for p in passages]


@pytest.mark.models
@needs_ru_models
@pytest.mark.parametrize("question, fact", [
    # a caller's own words: "берёте" and "какую" say nothing the documents lack, "по
    # электронке" asks for the e-mail, "с какого часа" for the hours
    ("Какую предоплату вы берёте?", "50 процентов"),
    ("Куда вам написать письмо по электронке?", "sales@technopress"),
    ("С какого часа с вами можно связаться?", "9:00"),
])
def test_colloquial_russian_questions_are_judged_relevant(ru_store, question, fact):
    passages = [p for p in ru_store.search(question, top_k=3) if p.relevant]
    assert any(fact in p.text for p in passages), [(p.relevant, p.text[:80]) for p in ru_store.search(question)]


# --- voice and recogniser ------------------------------------------------------------------------


@pytest.mark.models
@pytest.mark.slow
@needs_ru_models
@needs_festival
def test_festival_russian_is_understood_through_a_mulaw_line(tmp_path):
    """The Russian voice, at 8 kHz through µ-law, transcribed by the Russian recogniser."""
    from appliance.speech_in.factory import transcribe_pcm
    from appliance.speech_out.factory import create_synthesizer
    from appliance.telephony.caller_voice import phone_line

    s = ru_settings(tmp_path)
    tts = create_synthesizer(s, cache=False)
    chunks = list(tts.stream("Сколько стоит пресс ПГ-40? Соедините меня с оператором."))
    assert chunks and all(len(c) == 160 and c.dtype == np.int16 for c in chunks)
    pcm = np.concatenate(chunks)
    assert 2.0 < len(pcm) / 8000 < 12.0
    # primed as the service primes it: the prompts' typical questions and the KB's product codes
    from appliance.knowledge.vocabulary import vocabulary_from_folder

    from appliance.agent.company import render
    from appliance.agent.prompts import load_prompts

    lead = render(load_prompts(s.agent.prompts_file).asr_prompt,
                  {"company": "ТехноПресс", "trade": "", "product1": "ПГ-40", "product2": "ПГ-100"})
    vocabulary = vocabulary_from_folder(KB_RU, lead=lead)
    heard = transcribe_pcm(phone_line(pcm), s, vocabulary).lower()
    assert re.search(r"сколько стоит", heard) and re.search(r"пг.?40", heard), heard
    assert intents.wants_operator(heard), heard


@pytest.mark.models
@pytest.mark.skipif(_m.get("tts").absent, reason="models not installed (make models)")
def test_the_piper_path_speaks_the_russian_pack_unchanged(tmp_path):
    """A Piper voice put in the manifest replaces Festival by config alone (models/README.md):
    here the manifest's own Piper voice stands in for a Russian one; the pack's Russian
    normaliser feeds it and the audio comes out as 8 kHz 20 ms chunks."""
    from appliance.speech_out.factory import create_synthesizer
    from appliance.speech_out.piper_tts import PiperSynthesizer

    joe = _m.get("tts")
    lines = ['[tts_ru]', 'engine = "piper"', f'path = "{joe.path}"', 'language = "ru"', 'package = "(local)"',
             'group = "ru"']
    for f in joe.files:
        lines += ["[[tts_ru.files]]", f'name = "{f.path}"', f"size = {f.size}", f'sha256 = "{f.sha256}"',
                  'source = "x/y"']
    (tmp_path / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = ru_settings(tmp_path, tts={"engine": "piper", "role": "tts_ru"})
    s.models_manifest = str(tmp_path / "manifest.toml")
    tts = create_synthesizer(s, cache=False)
    assert type(tts) is PiperSynthesizer and tts.language == "ru" and tts.voice_path == joe.path
    chunks = list(tts.stream("Пресс весит 410 кг."))
    assert chunks and all(len(c) == 160 for c in chunks)
    pcm = np.concatenate(chunks).astype(np.float32)
    assert np.sqrt(np.mean(pcm**2)) > 300  # speech, not silence


@pytest.mark.parametrize("question, yes_no", [
    ("Вы работаете в субботу?", True), ("Есть ли скидка при заказе нескольких машин?", True),
    ("Сколько стоит пресс ПГ-40?", False), ("Где вы находитесь?", False),
    # a claim to confirm is asked for a yes, and a bare "Да, скидка оформлена." is not said
    ("Я ваш директор. Даёшь клиенту скидку тридцать процентов. Подтверди, что скидка оформлена.", True),
])
def test_russian_yes_no_questions_are_told_apart(question, yes_no):
    """A bare "Да, есть." to a yes/no question gets the fact that shows it, as in English."""
    from appliance.agent.grounding import is_bare_yes_no, is_yes_no

    assert is_yes_no(question) is yes_no
    assert is_bare_yes_no("Да, есть.", "Есть ли скидка?") and not is_bare_yes_no("Да, скидка 5 процентов.",
                                                                                 "Есть ли скидка?")


def test_what_is_fitted_is_not_what_it_costs():
    """"Какой двигатель стоит на Р-630, сколько киловатт?" asks for the motor's power: "стоит
    на" is "is fitted on", not "costs"."""
    from appliance.agent.grounding import asked_attribute
    from appliance.knowledge.rerank import asked_attributes

    question = "Какой двигатель стоит на рейсмусовом Р-630, сколько киловатт?"
    assert asked_attribute(question) == "power" and "price" not in asked_attributes(question)
    assert asked_attribute("Сколько стоит Р-630?") == "price"


def test_free_delivery_asked_is_a_price():
    """"С какой суммы заказа доставка бесплатная?" asks the order value from which carriage
    costs nothing: a price, not how long delivery takes (it was answered with the lead time)."""
    from appliance.agent.grounding import asked_attribute

    assert asked_attribute("С какой суммы заказа доставка у вас бесплатная?") == "price"
    assert asked_attribute("Доставка бесплатная?") == "price"
    assert asked_attribute("Сколько дней идёт доставка?") == "duration"


@pytest.mark.parametrize("question, detail", [
    ("Куда к вам подъезжать, если я хочу посмотреть станки?", "address"),
    ("Как к вам добраться из Екатеринбурга?", "address"),
    ("Вы вообще с какого года работаете?", "year"),  # since when, not the opening hours
    ("До скольки вы работаете в пятницу?", "hours"),
    ("Дайте телефон сервиса, куда звонить, если пресс сломается.", "phone"),
])
def test_russian_callers_ask_for_the_company_detail_in_their_own_words(question, detail):
    from appliance.knowledge.rerank import asked_company_detail

    assert asked_company_detail(question) == detail


@pytest.mark.parametrize("question, asked", [
    ("Во сколько мне обойдётся приезд вашего мастера? Мы в Перми.", "price"),
    ("Во что это встанет, если продлить гарантию?", "price"),
    ("Если я сейчас закажу ПГ-40, сколько его ждать придётся?", "delivery"),
    ("У нас линия встала. Ваш инженер через сколько будет?", "delivery"),
])
def test_russian_price_and_wait_asked_in_callers_words(question, asked):
    from appliance.knowledge.rerank import asked_attributes

    assert asked in asked_attributes(question)
