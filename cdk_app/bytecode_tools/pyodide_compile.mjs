// Runs compile_tree.py in CPython for WebAssembly (the npm package pyodide, pinned by package-lock.json):
// the job's folders are mounted from the host (NODEFS), compiled in place, and the result printed as JSON.
//
//     node pyodide_compile.mjs <pyodide package dir> < job.json
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir] = process.argv.slice(2);
const job = JSON.parse(readFileSync(0, "utf8"));
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir, stdout: (line) => process.stderr.write(line + "\n") });

const mounted = job.trees.map((tree, index) => {
  const point = `/mnt/tree${index}`;
  pyodide.FS.mkdirTree(point);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: tree.path }, point);
  return { path: point, ddir: tree.ddir };
});
const namespace = pyodide.toPy({ __name__: "compile_tree" });
pyodide.runPython(readFileSync(new URL("./compile_tree.py", import.meta.url), "utf8"), { globals: namespace });
const result = JSON.parse(namespace.get("json").dumps(namespace.get("run")(pyodide.toPy({ trees: mounted }))));
result.trees.forEach((tree, index) => (tree.path = job.trees[index].path));
process.stdout.write(JSON.stringify(result) + "\n");
