import json, os, subprocess, sys, uuid
from tests.integration.test_cold_path_imports import ROOT, first_call, extension  # noqa
import routes
from local.events import http_api_event
from tests.integration.public_cards import PHONE_UA, make_card

CHILD = r'''
import json, sys, time, cProfile, pstats, io
job = json.loads(sys.stdin.read())
t0=time.perf_counter()
import importlib
module = importlib.import_module(job["module"])
t1=time.perf_counter()
class Context:
    function_name = "cold-path"; function_version = "$LATEST"; memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:cold-path"; aws_request_id = "r-1"
    def get_remaining_time_in_millis(self): return 10000
before=set(sys.modules)
pr=cProfile.Profile(); pr.enable()
result = module.handler(job["event"], Context())
pr.disable()
t2=time.perf_counter()
print("IMPORT", round((t1-t0)*1000), "CALL", round((t2-t1)*1000), result["statusCode"], file=sys.stderr)
print("NEWMODS", len(set(sys.modules)-before), sorted({m.split('.')[0] for m in set(sys.modules)-before}), file=sys.stderr)
s=io.StringIO(); pstats.Stats(pr,stream=s).sort_stats("cumulative").print_stats(45); print(s.getvalue()[:9000], file=sys.stderr)
'''

def test_profile(local_stack, extension, database, tenant_factory):
    card_id = str(make_card(database, tenant_factory())["card_id"])
    for path, raw, params in [(os.environ.get("PROF_PATH","/c/{card_id}"), None, None)]:
        raw = path.replace("{card_id}", card_id)
        route = routes.find_route("GET", path)
        event = http_api_event(method="GET", raw_path=raw, route_key=route.route_key, path_parameters={"card_id": card_id} if "{card_id}" in path else {},
            header_pairs=[("user-agent", PHONE_UA), ("x-origin-verify", local_stack.resources.origin_verify)])
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}:{ROOT / 'layers/core/python'}", **local_stack.env, **extension.env(),
               "AWS_LAMBDA_FUNCTION_NAME": "x", "POWERTOOLS_METRICS_DISABLED": "true"}
        job = {"module": route.handler, "event": event}
        for i in range(2):
            done = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(job), env=env, cwd=ROOT, capture_output=True, text=True)
        open("/tmp/cold/prof.txt","w").write(done.stderr)
