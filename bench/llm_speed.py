"""One LLM's speed as the agent uses it (bench/README.md, "Choosing the language model").

    PYTHONPATH=. .venv/bin/python bench/llm_speed.py models/cache/llm/gemma-3-270m-q4_k_m.gguf completion 1
    PYTHONPATH=. .venv/bin/python bench/llm_speed.py models/cache/llm_qwen_0_5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf chatml 1

Prints one JSON line: prompt-evaluation tokens/s (a passage saved as a prompt state), the
first token's and the fourth token's time from that saved state (restore + question line:
what the caller waits for before the opening words), generation tokens/s, and the
process's peak RSS.  Arguments: the GGUF, its prompt format, llama.cpp threads.
"""
import sys, time, resource, statistics, json
from appliance.agent.llama_model import LlamaModel
from appliance.agent.prompts import load_prompts
from appliance.agent.company import CompanyIdentity
path, fmt, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = LlamaModel(path, n_ctx=2048, n_threads=threads, parallel=2, prompt_cache_mb=256)
p = load_prompts().for_company(CompanyIdentity(name="Crumbridge Bakery Machines")).with_format(fmt)
prefix = p.prefix(); m.warm(prefix)
passage = ("Spiral mixers: The SM-80 spiral mixer has an 80 litre bowl, kneads up to 50 kg of dough and weighs 310 kg. "
           "The SM-120 has a 120 litre bowl, kneads up to 80 kg of dough and weighs 420 kg. Both run on 400 V three-phase power.")
head = f"{prefix}{p.context_open}Context: {passage}"
t0 = time.monotonic(); m.prime(head); prime_s = time.monotonic() - t0
passage_tokens = m.count_tokens(head) - m.count_tokens(prefix)
qs = ["How much dough can the SM-120 knead?", "What does the SM-80 weigh?", "Which mixer has the bigger bowl?",
      "Does the SM-80 run on a normal socket?", "How heavy is the SM-120?"]
first, lead, gen = [], [], []
for q in qs * 2:
    prompt = f"{head}\nQuestion: \"{q}\"{p.answer_open}"
    t0 = time.monotonic(); times = []
    for piece in m.complete(head, prompt, max_tokens=40, temperature=0.0, stop=p.stop):
        times.append(time.monotonic() - t0)
    first.append(times[0]); lead.append(times[min(3, len(times)-1)])
    if len(times) > 5: gen.append((len(times) - 1) / (times[-1] - times[0]))
out = {"model": path.rsplit("/", 1)[-1], "threads": threads, "prefill_tok_s": round(passage_tokens / prime_s, 1),
       "first_token_ms_p50": round(1000 * statistics.median(first)), "four_tokens_ms_p50": round(1000 * statistics.median(lead)),
       "gen_tok_s": round(statistics.median(gen), 1), "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
print(json.dumps(out), flush=True)
m.close()
