package stepper

import (
	"strings"
	"testing"
	"time"
)

// TestShowNginxSmoothWeights: stepping nginx-weighted, show nginx gives
// the current weights of ngx_http_upstream_get_peer after each pick:
// after a, a (5/1/1) they are -4 2 2, after a, a, b 1 -4 3.
func TestShowNginxSmoothWeights(t *testing.T) {
	s := newStepper(t, "nginx-weighted", 2*time.Second)
	for _, tc := range []struct {
		run  string
		want []string
	}{
		{"run 0.15s", []string{"10.0.0.11:80               5      -4         5     0     0  up", "10.0.0.12:80               1       2 "}},
		{"run 0.3s", []string{"10.0.0.11:80               5       1 ", "10.0.0.12:80               1      -4 ", "10.0.0.13:80               1       3 "}},
	} {
		if _, err := s.Exec(tc.run); err != nil {
			t.Fatal(err)
		}
		out, err := s.Exec("show nginx px1")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("after %s: no %q in\n%s", tc.run, w, out)
			}
		}
	}
	if out, _ := s.Exec("show nginx c1"); !strings.Contains(out, "no nginx on c1") {
		t.Errorf("show nginx c1: %q", out)
	}
}
