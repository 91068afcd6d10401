"""The model manifest: parsing, verification messages, install copying only what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.config.errors import ModelError
from appliance.config.manifest import ROLES, combined_digest, install, load_manifest, verify

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "models" / "manifest.toml"


def test_manifest_has_every_role_with_api_fields():
    m = load_manifest(MANIFEST)
    assert set(ROLES) <= set(m.roles())
    for role in ROLES:
        e = m.get(role)
        assert e.engine and e.package and e.files
        assert e.path.is_absolute() and str(e.path).startswith(str(REPO / "models" / "cache" / role))
        assert e.size == sum(f.size for f in e.files)
        assert e.sha256 == combined_digest([(f.name, f.sha256) for f in e.files])
    assert m.get("llm").path.name.endswith(".gguf")
    assert m.get("embeddings").path.name == "all-MiniLM-L6-v2"
    assert m.get("asr_vosk").language == "ko" and m.get("asr_vosk").sample_rate == 8000
    with pytest.raises(ModelError, match="no \\[nope\\] model"):
        m.get("nope")


def test_missing_and_bad_manifest(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_manifest(tmp_path / "manifest.toml")
    (tmp_path / "manifest.toml").write_text("[vad\n")
    with pytest.raises(ModelError, match="not valid TOML"):
        load_manifest(tmp_path / "manifest.toml")


def _small_manifest(tmp_path: Path) -> Path:
    """The real manifest's vad table only, in a scratch models dir."""
    text = MANIFEST.read_text()
    start = text.index("[vad]")
    end = text.index("\n# ", start)
    p = tmp_path / "manifest.toml"
    p.write_text(text[start:end])
    return p


def test_verify_says_what_to_do_and_install_fixes_it(tmp_path):
    m = load_manifest(_small_manifest(tmp_path))
    entry = m.get("vad")
    with pytest.raises(ModelError, match=r"missing: run `make models`"):
        verify(entry)
    assert install(entry) == 1
    verify(entry)
    assert install(entry) == 0  # already there: nothing copied
    f = entry.files[0].path
    data = bytearray(f.read_bytes())
    data[100] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 differs from the manifest: re-copy it"):
        verify(entry)
    f.write_bytes(b"short")
    with pytest.raises(ModelError, match="bytes, the manifest says"):
        verify(entry, full=False)
    assert install(entry) == 1
    m.verify_all()


@pytest.mark.models
def test_installed_models_verify():
    m = load_manifest(MANIFEST)
    # make test installs the default models (and the groups setup names); on-request roles
    # whose files are all absent are skipped by verify_all itself, any present one is checked.
    checked = m.verify_all(full=False)
    assert {e.role for e in checked} >= {e.role for e in m.entries.values()
                                        if e.group == "default" and not e.extra.get("optional")}


def test_a_model_shipped_as_parts_is_joined_in_order_and_on_request_roles_are_skipped(tmp_path, monkeypatch):
    """A file whose source lists parts is their bytes in order (checked by its sha256); a role
    in a group other than "default" is not installed by default and not verified while absent."""
    import hashlib

    pkgs = tmp_path / "site"
    blobs = [bytes([i]) * (1000 + i) for i in range(1, 4)]
    for i, blob in enumerate(blobs, 1):
        pkg = pkgs / f"fake_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(blob)
    monkeypatch.syspath_prepend(str(pkgs))
    whole = b"".join(blobs)
    sha = hashlib.sha256(whole).hexdigest()
    parts = ", ".join(f'"fake_part{i}/data/part{i:02d}.bin"' for i in range(1, 4))
    text = (f'[big]\nengine = "llama.cpp"\npath = "cache/big/m.gguf"\npackage = "fake-part1..3"\ngroup = "large"\n'
            f'prompt_format = "chatml"\n[[big.files]]\nname = "m.gguf"\nsize = {len(whole)}\nsha256 = "{sha}"\n'
            f"source = [{parts}]\n")
    (tmp_path / "manifest.toml").write_text(text)
    m = load_manifest(tmp_path / "manifest.toml")
    entry = m.get("big")
    assert m.default_roles() == [] and entry.group == "large" and entry.extra["prompt_format"] == "chatml"
    assert m.verify_all() == []  # absent and on request: not checked
    assert install(entry) == 1
    assert entry.path.read_bytes() == whole
    assert [e.role for e in m.verify_all()] == ["big"]
    swapped = ", ".join(f'"fake_part{i}/data/part{i:02d}.bin"' for i in (1, 3, 2))
    (tmp_path / "manifest.toml").write_text(text.replace(parts, swapped))  # parts out of order
    entry.path.unlink()
    with pytest.raises(ModelError, match="sha256 differs"):
        install(load_manifest(tmp_path / "manifest.toml").get("big"))
