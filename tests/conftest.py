"""Shared fixtures. The tiny model itself is built by tests/tiny.py (plain functions)."""
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
for folder in (TESTS, TESTS.parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A random 2-layer Llama with a ChatML BPE tokenizer (eos = pad = <|im_end|>, as the
    default model), saved once per session as a Hugging Face folder; returns its path."""
    import tiny
    return tiny.make_tiny_model_dir(tmp_path_factory.mktemp("tiny-model"))


def pytest_configure(config):
    config.addinivalue_line("markers", "cuda: needs a CUDA device (bench/gpu.sh runs them; skipped elsewhere)")
