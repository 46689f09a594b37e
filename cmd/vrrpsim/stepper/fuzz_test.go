package stepper

import (
	"strings"
	"testing"
)

// FuzzExec feeds the interpreter arbitrary scripts (it reads user input:
// --script, --script-file, the screen's prompt). It must never panic, and
// its plain-text output never holds an escape code.
func FuzzExec(f *testing.F) {
	for _, seed := range []string{
		"next 3; back 2; show vrrp", "until r2 master; frame 2", "until h1 neigh 10.0.0.254 stale",
		"break split-brain; continue", "filter vrrp or arp; events 5", "filter vrid 51 and not node r2; next", "until match node h1 and icmp",
		"show mac lan; show arp h1; show interfaces", "run 12s; goto 3; where", "frame -1; delete 9",
		"until frame ipip", "show ipvs", "until", "back 99999", "run 1h",
	} {
		f.Add(seed)
	}
	sc := loadBuiltin(f, "master-crash")
	f.Fuzz(func(t *testing.T, script string) {
		s, err := New(sc, sc.Seed, 0)
		if err != nil {
			t.Fatal(err)
		}
		s.SetFilterEnv(testFilterEnv())
		for _, c := range Script(script) {
			out, err := s.Exec(c)
			if strings.ContainsRune(out, 0x1b) {
				t.Fatalf("%q printed an escape code", c)
			}
			if err != nil && err.Error() == "" {
				t.Fatalf("%q: empty error", c)
			}
		}
	})
}
