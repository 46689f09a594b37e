package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoadSched feeds arbitrary bytes to the playground loader: it must
// never panic, every error must point into the file and say what would be
// valid, and an accepted file must be consistent (connections numbered
// 1..Conns in order, every close naming an earlier connection once).
func FuzzLoadSched(f *testing.F) {
	f.Add([]byte(schedIssueExample))
	f.Add([]byte("scheduler: rr\n"))
	f.Add([]byte("scheduler: sh\nflags: [sh-port]\ndests: [{name: A, addr: 10.1.0.1:80, weight: 0}]\nrequests: [{client: 10.0.0.1:1, count: 3}, {close: 2}]\n"))
	f.Add([]byte("scheduler: wlc\nconns: inactive\ndests: [{name: A, addr: 10.1.0.1:80}]\nrequests: [{remove: A}, {add: {name: A, addr: 10.1.0.1:80}}]\n"))
	f.Add([]byte("scheduler: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := LoadSched("f.yaml", data)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("got %T %v, want Errors", err, err)
			}
			for _, e := range es {
				if e.Pos.File != "f.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Errorf("error without a position in the file: %v", e)
				}
				if !strings.Contains(e.Msg, "valid") {
					t.Errorf("error without a valid: hint: %v", e)
				}
			}
			return
		}
		next, closed := 1, map[int]bool{}
		for _, r := range sf.Requests {
			switch r.Op {
			case SchedConnect:
				if r.First != next || r.Count < 1 {
					t.Fatalf("connections %d..+%d, want to start at %d", r.First, r.Count, next)
				}
				next += r.Count
			case SchedClose:
				if r.Close < 1 || r.Close >= next || closed[r.Close] {
					t.Fatalf("close %d with %d connections opened, closed %v", r.Close, next-1, closed)
				}
				closed[r.Close] = true
			}
		}
		if sf.Conns != next-1 || sf.Conns > MaxSchedConns {
			t.Fatalf("Conns %d, counted %d", sf.Conns, next-1)
		}
	})
}
