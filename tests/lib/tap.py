# SPDX-License-Identifier: GPL-2.0-or-later
"""TAP for the Python tests: numbered "ok N - name" / "not ok N - name"
lines, "# " diagnostics, and the plan at the end.

    import tap
    tap.ok(got == want, "what was checked", f"got {got}, want {want}")
    tap.skip("what was not checked", "why")
    sys.exit(tap.done())

or, when nothing can be checked here, sys.exit(tap.skip_all("why")).

ok() returns its condition, so a test can stop early on a failed step.  A
SKIP or TODO line never counts as a failure.  done() prints the plan and
returns the exit status: 0 when every test passed, 1 when one failed or
none ran.  A Tap object of one's own does the same for a sub-report.
"""
import sys


class Tap:
    def __init__(self, out=None):
        self.out = out
        self.count = 0
        self.failures = []      # names of the tests that failed

    def _print(self, line):
        print(line, file=self.out or sys.stdout, flush=True)

    def diag(self, text):
        """Every line of text as a TAP comment."""
        for line in str(text).splitlines() or [""]:
            self._print(f"# {line}" if line else "#")

    def _line(self, cond, name, directive=""):
        self.count += 1
        # One line, and a bare "#" would start a directive.
        name = " ".join(str(name).split()).replace("#", "\\#")
        text = f"{'ok' if cond else 'not ok'} {self.count} - {name}"
        self._print(text + (f" # {directive}" if directive else ""))

    def ok(self, cond, name, diag=""):
        """One test: passes when cond is true; diag is printed when not."""
        cond = bool(cond)
        self._line(cond, name)
        if not cond:
            self.failures.append(name)
            if diag:
                self.diag(diag)
        return cond

    def skip(self, name, why):
        self._line(True, name, f"SKIP {why}")

    def todo(self, cond, name, why):
        """A known failure: reported, never counted."""
        self._line(cond, name, f"TODO {why}")
        return bool(cond)

    def skip_all(self, why):
        """Nothing to test here: the plan 1..0 with the reason, status 0.
        Only before any test line, where TAP allows it."""
        if self.count:
            raise ValueError("skip_all() after a test line")
        self._print(f"1..0 # SKIP {' '.join(str(why).split())}")
        return 0

    @property
    def passed(self):
        return self.count - len(self.failures)

    def done(self):
        """The plan; 0 when all passed, 1 when one failed or none ran."""
        self._print(f"1..{self.count}")
        return 1 if self.failures or not self.count else 0


_default = Tap()
diag, ok, skip, todo, done = _default.diag, _default.ok, _default.skip, _default.todo, _default.done
skip_all = _default.skip_all


def failures():
    return _default.failures


def count():
    return _default.count
