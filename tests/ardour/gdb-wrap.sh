#!/usr/bin/env bash
# run.sh --wrap tests/ardour/gdb-wrap.sh : runs the interpreter under gdb; on a crash/abort prints
# the faulting thread's backtrace, every thread's backtrace and the glibc/abort message, then
# exits with 134 (so the caller counts it as an abort). Normal exit: exits with the program's status.
cmds=$(mktemp)
cat > "$cmds" <<'GDB'
set pagination off
set confirm off
set print thread-events off
handle SIGPIPE nostop noprint pass
handle SIG32 SIG33 SIG34 SIG35 nostop noprint pass
run
if $_siginfo
  echo \n=== LQ-GDB: stopped by a signal ===\n
  info threads
  bt 40
  thread apply all bt 25
  kill
  quit 134
end
quit $_exitcode
GDB
gdb -q -batch -x "$cmds" --args "$@"
rc=$?
rm -f "$cmds"
exit $rc
