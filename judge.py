"""The published rollout reward of mcts.py's --reward judge (SPEC.md section 1, MCTS simulation):
the policy itself grades a text against the gold answer with PROMPT, and the grade becomes a
number through each letter's probability and WEIGHTS. mcts.py's default reward is the verifiable
checker.ast_reward; this file is the one to edit to try another grader (a larger judge model, other
weights) against it.
"""
import torch

# Published: A 1.0, B 0.1, C -1.0, D -2.0, each divided by 4; the grade is sampled at 0.6 for up to
# 7 tokens and a letter's probability summed over the top-4 log-probs of the tokens where it appears.
WEIGHTS = {"A": 1.0 / 4, "B": 0.1 / 4, "C": -1.0 / 4, "D": -2.0 / 4}
TEMPERATURE, TOKENS, TOP = 0.6, 7, 4
PROMPT = ("Compare a generated function-calling response with the ground-truth response.\n\n"
          "Ground-truth response:\n{gold}\n\nGenerated response:\n{text}\n\n"
          "A generated response that is a fragment of the ground truth also counts as excellent. Judge the "
          "function names, the number of parameters, the parameter names, the values and their types, and "
          "how close the meaning is.\nAnswer with one option: (A) Excellent (B) Acceptable (C) Fair (D) Poor")


@torch.no_grad()
def reward(model, tok, text, task, stats, generator, stop_ids):
    """The published rollout reward: the policy grades the text against the gold (PROMPT); the
    grade is sampled token by token and each letter's probability is summed over the top log-probs
    of the tokens where it appears; reward = sum over letters of p(letter) x its weight."""
    prompt = tok.apply_chat_template([{"role": "user", "content": PROMPT.format(gold=task["response"], text=text)}],
                                     tokenize=False, add_generation_prompt=True)
    ids = tok(prompt, add_special_tokens=False)["input_ids"]
    stats["judge_tokens"] += len(ids)
    out = model(input_ids=torch.tensor([ids], device=model.device), use_cache=True, logits_to_keep=1)
    mass = dict.fromkeys(WEIGHTS, 0.0)
    for _ in range(TOKENS):
        logits = out.logits[0, -1].float()
        top = torch.softmax(logits, -1).topk(TOP)
        for p, i in zip(top.values.tolist(), top.indices.tolist()):
            letter = tok.decode([i]).strip(" ()*.:")
            if letter in mass:
                mass[letter] += p
        token = torch.multinomial(torch.softmax(logits / TEMPERATURE, -1), 1, generator=generator).item()
        if token in stop_ids:
            break
        out = model(input_ids=torch.tensor([[token]], device=model.device), past_key_values=out.past_key_values,
                    use_cache=True)
    return sum(mass[k] * w for k, w in WEIGHTS.items())
