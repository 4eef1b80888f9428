// Counts tokens for bench/toollist.py: reads a JSON array of strings on stdin, prints a JSON
// array of their token counts with gpt-tokenizer's o200k_base encoding (GPT-4o's). Claude's own
// tokenizer is not public; o200k is a close, reproducible stand-in for "how much context".
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify(JSON.parse(input).map((s) => countTokens(s))));
