"""The config file: the documented example is complete and valid; bad values are one clear line."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.config import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "appliance" / "config" / "appliance.example.toml"


def _documented(raw: dict, defaults: object, where: str) -> None:
    for f in dataclasses.fields(defaults):  # type: ignore[arg-type]
        if f.metadata.get("internal"):
            continue
        value = getattr(defaults, f.name)
        name = f"{where}{f.name}"
        assert f.name in raw, f"{name} is not documented in the example"
        if dataclasses.is_dataclass(value):
            _documented(raw[f.name], value, f"{name}.")
        else:
            assert raw[f.name] == value, f"{name} default differs"


def test_example_documents_every_setting_with_its_default() -> None:
    _documented(tomllib.loads(EXAMPLE.read_text()), Settings(), "")
    load_settings(EXAMPLE)  # and it validates


@pytest.mark.parametrize("text,message", [
    ("[rtp]\ncodec = 'opus'\n", "rtp.codec: 'opus' is not one of ulaw, alaw"),
    ("[vad]\nthreshold = 2\n", "vad.threshold: 2.0 is outside"),
    ("[llm]\nthreads = 'two'\n", "llm.threads: expected int"),
    ("[asr]\nengin = 'vosk'\n", "asr.engin: unknown setting"),
    ("[rtp]\nport_min = 30000\nport_max = 20000\n", "rtp.port_min 30000 is above rtp.port_max"),
    ("ari = 3\n", "ari: expected a [ari] table"),
    ("[ari\n", "is not valid TOML"),
    ('[web]\npassword_hash = "scrypt$16384$8$1$c2FsdA=="\n', "web.password_hash: not a hash"),
    ('[web]\npassword_hash = "hunter2"\n', "web.password_hash: not a hash"),
])
def test_bad_values_are_refused_with_the_key_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=None) as err:
        load_settings(path)
    assert message in str(err.value)


def test_cli_prints_one_line_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[call]\nmode = 'karaoke'\n")
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("appliance: error:") and "call.mode" in err[-1]
    assert main(["serve", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_config_option_works_before_or_after_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[call]\nmode = 'karaoke'\n")
    assert main(["--config", str(path), "serve"]) == 2
    assert "call.mode" in capsys.readouterr().err


def test_a_hash_from_web_passwd_is_accepted(tmp_path: Path) -> None:
    from appliance.web.auth import hash_password

    h = hash_password("a long password")
    path = tmp_path / "ok.toml"
    path.write_text(f'[ari]\npassword = "x"\n[web]\npassword_hash = "{h}"\n')
    assert load_settings(path).web.password_hash == h
