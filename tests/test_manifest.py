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
    if not all(f.path.exists() for e in m.entries.values() for f in e.files):
        pytest.skip("models not installed (make models)")
    m.verify_all(full=False)
