package sweep

import (
	"strings"
	"testing"
)

// Issue 13 item 2: a shard's header is untrusted input and its metric base
// names become plot file names (<base>.svg): anything but a plain name is
// refused when the header is read, before any file is written.
func TestParseHeaderRefusesMetricNamesThatAreNotPlainNames(t *testing.T) {
	for _, m := range []string{"../../etc/cron.d/x", "a/b_s", `a\b`, ".hidden", "x y", "x\x1b[2J", "", "9lives", "detect_s\x00"} {
		_, err := ParseHeader([]string{"run", "point", "p", "seed", m})
		if err == nil || !strings.Contains(err.Error(), "is not a plain name") {
			t.Errorf("metric %q: got %v, want a 'not a plain name' error", m, err)
		}
	}
	// Keys in brackets are not part of the file name: they may hold
	// anything the scenario names (flows, hosts, actions).
	for _, m := range []string{"detect_s", "detect_s[crash r1/VI_1]", "arp_move_s[h1/10.0.0.254]"} {
		if _, err := ParseHeader([]string{"run", "point", "p", "seed", m}); err != nil {
			t.Errorf("metric %q: got %v, want it accepted", m, err)
		}
	}
}
