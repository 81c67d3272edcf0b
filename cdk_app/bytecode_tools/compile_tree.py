"""Compiles every .py of the given folders to `__pycache__/<name>.<cache tag>.pyc` with unchecked-hash
invalidation (PEP 552), with the interpreter that runs it: Lambda's Python version, wherever that runs
(a python3.12 on PATH, the Lambda build image under Docker, or CPython for WebAssembly under Node).

Standalone on purpose (standard library only): cdk_app.bytecode runs it in those interpreters.

    python3.12 compile_tree.py < job.json     (job: {"trees": [{"path": ..., "ddir": ...}]})

Prints one JSON line: the interpreter's version, magic number and cache tag, and per folder the
number of modules compiled and the files that did not compile (with the error).
"""

from __future__ import annotations

import importlib.util
import json
import os
import py_compile
import sys


def compile_tree(path: str, ddir: str) -> dict:
    compiled = 0
    failed = []
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            source = os.path.join(folder, name)
            relative = os.path.relpath(source, path)
            try:
                # dfile: the path tracebacks show before the loader rewrites it (/var/task/..., /opt/...)
                py_compile.compile(
                    source,
                    dfile=f"{ddir.rstrip('/')}/{relative}",
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
                compiled += 1
            except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeDecodeError) as error:
                failed.append({"file": relative, "error": str(error).strip().splitlines()[-1][:300]})
    return {"path": path, "compiled": compiled, "failed": failed}


def run(job: dict) -> dict:
    return {
        "version": "{}.{}.{}".format(*sys.version_info[:3]),
        "magic": int.from_bytes(importlib.util.MAGIC_NUMBER[:2], "little"),
        "cache_tag": sys.implementation.cache_tag,
        "trees": [compile_tree(tree["path"], tree["ddir"]) for tree in job["trees"]],
    }


if __name__ == "__main__":
    print(json.dumps(run(json.load(sys.stdin))))
