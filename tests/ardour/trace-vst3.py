# gdb script: traces Ardour's VST3 host calls into the plugin (libardour's Steinberg::VST3PI),
# with the calling thread, without stopping the program.
#
#   tests/ardour/run.sh --wrap "gdb -q -batch -x tests/ardour/trace-vst3.py --args" ...
#
# Prints one line per lifecycle call (activate/deactivate/restartComponent/set_block_size/...)
# with the thread name and a short backtrace, and at exit a per-thread summary of process()
# calls with the largest n_samples seen. Set LQ_TRACE_BT=0 to drop the backtraces.
import os
import gdb

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set print thread-events off")
gdb.execute("set breakpoint pending on")
gdb.execute("handle SIGPIPE nostop noprint pass")
for s in ("SIG32", "SIG33", "SIG34", "SIG35", "SIGUSR1", "SIGUSR2"):
    gdb.execute(f"handle {s} nostop noprint pass")

BT = os.environ.get("LQ_TRACE_BT", "1") != "0"
process_stats = {}
block_sizes = []


def tname():
    t = gdb.selected_thread()
    return f"{t.name or '?'}[{t.ptid[1]}]"


class Trace(gdb.Breakpoint):
    def __init__(self, spec, label, arg=None):
        super().__init__(spec, internal=True)
        self.label = label
        self.arg = arg

    def stop(self):
        extra = ""
        if self.arg:
            try:
                v = int(gdb.parse_and_eval(self.arg))
                extra = f" arg={v}"
                if self.label == "set_block_size":
                    block_sizes.append(v)
            except gdb.error:
                pass
        print(f"LQTRACE {self.label}{extra} thread={tname()}")
        if BT:
            f = gdb.newest_frame().older()
            for _ in range(6):
                if f is None:
                    break
                print(f"LQTRACE     <- {f.name() or hex(f.pc())}")
                f = f.older()
        return False


class ProcessCount(gdb.Breakpoint):
    def __init__(self):
        super().__init__("Steinberg::VST3PI::process", internal=True)

    def stop(self):
        n = int(gdb.parse_and_eval("$rcx"))
        k = tname()
        c, mx, mn = process_stats.get(k, (0, 0, 1 << 30))
        process_stats[k] = (c + 1, max(mx, n), min(mn, n))
        return False


for fn, arg in (
    ("activate", None),
    ("deactivate", None),
    ("restartComponent", "$rsi"),
    ("set_block_size", "$rsi"),
    ("set_owner", None),
    ("synchronize_states", None),
    ("save_state", None),
    ("load_state", None),
    ("terminate", None),
    ("plugin_latency", None),
):
    Trace(f"Steinberg::VST3PI::{fn}", fn, arg)
Trace("Steinberg::VST3PI::VST3PI", "ctor")
ProcessCount()


def on_exit(event):
    for k, (c, mx, mn) in sorted(process_stats.items()):
        print(f"LQTRACE process() thread={k} calls={c} n_samples min={mn} max={mx}")
    print(f"LQTRACE set_block_size values: {block_sizes}")
    code = getattr(event, "exit_code", None)
    print(f"LQTRACE exit code {code}")


gdb.events.exited.connect(on_exit)


def on_stop(event):
    if isinstance(event, gdb.SignalEvent):
        print(f"LQTRACE signal {event.stop_signal} in thread {tname()}")
        gdb.execute("bt 30")
        gdb.execute("thread apply all bt 12")


gdb.events.stop.connect(on_stop)
gdb.execute("run")
