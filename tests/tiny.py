"""A tiny model and tiny tasks for tests: a ChatML BPE tokenizer trained on the spot,
a 2-layer Llama, and tasks in SPEC.md's format; and the kill used by the resume tests.
Plain functions; everything is deterministic in its seed and takes well under a second."""
import json
import os
import random
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402

TOOLS = [
    {"name": "get_weather", "description": "Current weather in a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
                                                     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                    "required": ["city"]}},
    {"name": "get_time", "description": "Local time in a time zone.",
     "parameters": {"type": "object", "properties": {"tz": {"type": "string", "description": "Time zone"}},
                    "required": ["tz"]}},
    {"name": "convert", "description": "Convert an amount between currencies.",
     "parameters": {"type": "object", "properties": {"amount": {"type": "number"}, "src": {"type": "string"},
                                                     "dst": {"type": "string"}},
                    "required": ["amount", "src", "dst"]}},
]
CITIES = ["Paris", "Berlin", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Perth"]
FILLER = ["please", "quickly", "if you can", "for my trip", "thanks a lot", "right now", "today"]


def make_tiny_tasks(n, seed=0):
    """n tasks of varied length (1-3 tools, longer and shorter questions, one or two calls)."""
    rng = random.Random(seed)
    tasks = []
    for i in range(n):
        tools = TOOLS[:1 + i % 3]
        city = rng.choice(CITIES)
        calls = [{"get_weather": {"city": city}}]
        if i % 4 == 3 and len(tools) > 1:
            calls.append({"get_time": {"tz": "CET"}})
        if len(tools) == 3 and i % 5 == 0:
            calls = [{"convert": {"amount": rng.randint(1, 900), "src": "EUR", "dst": "USD"}}]
        question = f"What is the weather in {city}? " + " ".join(rng.choice(FILLER) for _ in range(rng.randint(0, 12)))
        answer = [{name: {k: [v] for k, v in args.items()}} for c in calls for name, args in c.items()]
        tasks.append({"id": f"tiny-{i}", "category": "parallel" if len(calls) > 1 else "simple",
                      "tools": tools, "messages": [{"role": "user", "content": question.strip()}],
                      "answer": answer, "response": common.format_calls(calls)})
    return tasks


def write_tasks(path, tasks):
    with open(path, "w", encoding="utf-8") as f:
        for t in tasks:
            f.write(json.dumps(t) + "\n")
    return str(path)


def make_tiny_tokenizer(template=common.CHATML_TEMPLATE, vocab_size=700, extra=()):
    """A byte-level BPE tokenizer with ChatML's special tokens, trained on prompts like the tasks'
    (and the texts `extra`, to make it merge what they repeat)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [common.system_prompt(TOOLS[:k]) for k in (1, 2, 3)]
    corpus += [t["messages"][0]["content"] + "\n" + t["response"] for t in make_tiny_tasks(40, seed=99)]
    corpus += ["the answer is the list [1, 2, 3] and the call [f(x=1)]"] * 5
    corpus += list(extra)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|im_end|>",
                                   bos_token="<|im_start|>", chat_template=template)


def make_tiny_model_dir(path, seed=0, hidden=32, layers=2):
    """Save a random 2-layer Llama and its tokenizer as a Hugging Face folder; returns the path."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    tok = make_tiny_tokenizer()
    config = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=8192, tie_word_embeddings=True,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return str(path)


def kill_tree(pid):
    """SIGKILL a process and all its descendants, found through /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    todo, tree = [pid], []
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += children.get(p, [])
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_after_checkpoint(proc, out, step, timeout):
    """SIGKILL the training run `proc` (and its children: torchrun's ranks) once its checkpoint in
    `out` has reached `step`, or after `timeout` seconds; returns the step the checkpoint holds."""
    state = os.path.join(out, "checkpoint", "state.json")
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            with open(state) as f:
                if json.load(f)["step"] >= step:
                    break
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    kill_tree(proc.pid)
    proc.wait()
    with open(state) as f:
        return json.load(f)["step"]


if __name__ == "__main__":  # run.sh's SMOKE=1 model: python tests/tiny.py DIR
    make_tiny_model_dir(sys.argv[1])
    print(f"wrote a tiny random model to {sys.argv[1]}", file=sys.stderr)
