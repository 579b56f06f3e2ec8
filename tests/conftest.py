"""Shared fixtures. The tiny model itself is built by tests/tiny.py (plain functions)."""
import importlib
import importlib.util
import sys
import types
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


@pytest.fixture(scope="session")
def bfcl():
    """BFCL's decoder and checker. model_config (imports every API client), the Java/JS
    tree-sitter parsers and tenacity are replaced by stand-ins for the import only;
    sys.modules is restored afterwards, the functions keep their own globals."""
    if importlib.util.find_spec("bfcl_eval") is None:
        pytest.skip("bfcl-eval not installed")
    before = dict(sys.modules)

    def stub(name, **attrs):
        sys.modules[name] = types.ModuleType(name)
        sys.modules[name].__dict__.update(attrs)

    def unavailable(*args, **kwargs):
        raise NotImplementedError("stand-in")

    stub("bfcl_eval.constants.model_config",
         MODEL_CONFIG_MAPPING={"itool": types.SimpleNamespace(underscore_to_dot=False)})
    stub("bfcl_eval.model_handler.parser.java_parser", parse_java_function_call=unavailable)
    stub("bfcl_eval.model_handler.parser.js_parser", parse_javascript_function_call=unavailable)
    if importlib.util.find_spec("tenacity") is None:
        stub("tenacity", retry=unavailable, retry_if_exception_message=unavailable,
             retry_if_exception_type=unavailable, wait_random_exponential=unavailable)
    try:
        checker = importlib.import_module("bfcl_eval.eval_checker.ast_eval.ast_checker")
        handler_utils = importlib.import_module("bfcl_eval.model_handler.utils")
        utils = importlib.import_module("bfcl_eval.utils")
        enums = importlib.import_module("bfcl_eval.constants.enums")
        multi_turn = importlib.import_module("bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker")
    finally:
        for name in set(sys.modules) - set(before):
            del sys.modules[name]
        sys.modules.update(before)
    return types.SimpleNamespace(ast_checker=checker.ast_checker, decode=handler_utils.default_decode_ast_prompting,
                                 is_empty_output=utils.is_empty_output,
                                 is_format=utils.is_function_calling_format_output,
                                 python=enums.Language.PYTHON,
                                 decode_execute=handler_utils.default_decode_execute_prompting,
                                 multi_turn_checker=multi_turn.multi_turn_checker)


def pytest_configure(config):
    config.addinivalue_line("markers", "cuda: needs a CUDA device (bench/gpu.sh runs them; skipped elsewhere)")
