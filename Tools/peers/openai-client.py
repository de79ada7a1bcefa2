#!/usr/bin/env python3
"""An OpenAI API client for the HTTP gateway's tests: the `openai` package
from PyPI, as note-taking apps and chat front-ends use it. Prints what it got
back as JSON: {"result": ...} or {"error": {"status": N, "message": ..., "retry_after": ...}}.

  openai-client.py BASE_URL FILE [--format F] [--words] [--translate] [--language L]
                   [--prompt P] [--stream] [--api-key K] [--concurrent N]
"""
import argparse
import concurrent.futures
import json

import openai


def request(args):
    client = openai.OpenAI(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=300)
    audio = client.audio.translations if args.translate else client.audio.transcriptions
    options = {"model": "whisper-1", "response_format": args.format}
    if args.words:
        options["timestamp_granularities"] = ["word"]
    if args.language:
        options["language"] = args.language
    if args.prompt:
        options["prompt"] = args.prompt
    try:
        with open(args.file, "rb") as file:
            if args.stream:
                events = audio.create(file=file, stream=True, **options)
                return {"result": [event.model_dump() for event in events]}
            result = audio.create(file=file, **options)
        return {"result": result if isinstance(result, str) else result.model_dump(exclude_unset=True)}
    except openai.APIStatusError as error:
        return {"error": {"status": error.status_code, "message": error.message,
                          "retry_after": error.response.headers.get("retry-after")}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("file")
    parser.add_argument("--format", default="json")
    parser.add_argument("--words", action="store_true")
    parser.add_argument("--translate", action="store_true")
    parser.add_argument("--language")
    parser.add_argument("--prompt")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--api-key", default="none")
    parser.add_argument("--concurrent", type=int, default=1)
    args = parser.parse_args()
    if args.concurrent == 1:
        print(json.dumps(request(args), ensure_ascii=False))
        return
    with concurrent.futures.ThreadPoolExecutor(args.concurrent) as pool:
        print(json.dumps([r for r in pool.map(lambda _: request(args), range(args.concurrent))], ensure_ascii=False))


if __name__ == "__main__":
    main()
