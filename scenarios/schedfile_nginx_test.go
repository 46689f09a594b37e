package scenarios

import (
	"strings"
	"testing"
)

const nginxGood = `scheduler: nginx-rr
seed: 2
dests:
  - {name: A, addr: 10.1.0.1:80, weight: 5}
  - {name: B, addr: backend.example}
  - {name: X, addr: "unix:/run/x.sock", backup: true}
requests:
  - {client: 10.0.0.1:40000, key: /a, count: 3}
  - {down: A}
  - {close: 2}
  - {up: A}
`

func TestLoadSchedNginx(t *testing.T) {
	f, err := LoadSched("p.yaml", []byte(nginxGood))
	if err != nil {
		t.Fatal(err)
	}
	ng := f.Nginx
	if ng == nil || f.Seed != 2 || len(ng.Servers) != 3 || ng.Conns != 3 {
		t.Fatalf("got %+v, want 3 servers, 3 requests, seed 2", ng)
	}
	// The address is kept exactly as written (the consistent hash hashes it).
	if ng.Servers[1].Addr != "backend.example" || ng.Servers[1].Weight != 1 || !ng.Servers[2].Backup {
		t.Errorf("servers: got %+v %+v", *ng.Servers[1], *ng.Servers[2])
	}
	ops := []SchedOp{SchedConnect, SchedDown, SchedClose, SchedUp}
	for i, r := range ng.Requests {
		if r.Op != ops[i] {
			t.Errorf("request %d: op %q, want %q", i, r.Op, ops[i])
		}
	}
	if r := ng.Requests[0]; r.Key != "/a" || r.Count != 3 || r.First != 1 {
		t.Errorf("request 1: got %+v", *r)
	}
}

// Bad nginx playground files: FILE:LINE:COL and what is valid, with
// nginx's own rules (ngx_http_upstream_server: weight=0 invalid; backup
// only with round robin and least_conn; ngx_http_upstream_init_round_robin:
// no servers).
func TestLoadSchedNginxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"scheduler: nginx-rr\nflags: [sh-port]\ndests:\n  - {name: A, addr: a}\n", "p.yaml:2:1: flags in an nginx playground file"},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a, weight: 0}\n", "p.yaml:3:32: weight in dest A: 0 out of range; valid: 1..1000"},
		{"scheduler: nginx-ip-hash\ndests:\n  - {name: A, addr: a}\n  - {name: X, addr: x, backup: true}\n", "nginx-ip-hash does not support backup servers"},
		{"scheduler: nginx-rr\ndests:\n  - {name: X, addr: x, backup: true}\n", "no servers in upstream"},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: 'a b'}\n", `bad server address "a b"`},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a}\n  - {name: B, addr: a}\n", "address a of B is A's already"},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a, active: 3}\n", `unknown key "active" in dest`},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a}\nrequests:\n  - {down: Z}\n", `no server "Z"; valid: A`},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a}\nrequests:\n  - {up: A}\n", "server A is not down"},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a}\nrequests:\n  - {down: A}\n  - {down: A}\n", "server A is down already"},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a}\nrequests:\n  - {close: 1}\n", "request 1 does not exist yet"},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a}\nrequests:\n  - {down: A, key: /x}\n", "key in a down request"},
		{"scheduler: nginx-rr\ndests:\n  - {name: A, addr: a}\nrequests:\n  - {set_weight: {name: A, weight: 2}}\n", `unknown key "set_weight" in request`},
		{"scheduler: nginx-rrr\n", "nginx-rr"},
	}
	for _, tc := range tests {
		_, err := LoadSched("p.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\ngot  %v\nwant an error with %q", tc.src, err, tc.want)
		}
	}
}

// FuzzLoadSchedNginx: any bytes after an nginx scheduler line load or
// fail with positioned errors, never panic, and what loads is consistent.
func FuzzLoadSchedNginx(f *testing.F) {
	f.Add([]byte(nginxGood))
	f.Add([]byte("scheduler: nginx-hash-consistent\ndests:\n  - {name: A, addr: a:1}\nrequests:\n  - {client: 1.2.3.4:5, key: k}\n"))
	f.Add([]byte("scheduler: nginx-least-conn\ndests: [{name: A, addr: a, backup: true}, {name: B, addr: b}]\nrequests: [{down: B}, {up: B}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := LoadSched("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml:") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		if sf.Nginx == nil {
			return
		}
		conns := 0
		for _, s := range sf.Nginx.Servers {
			if s.Weight < 1 || s.Weight > maxNginxWeight || !validServerAddr(s.Addr) {
				t.Fatalf("server %+v", *s)
			}
		}
		for _, r := range sf.Nginx.Requests {
			if r.Op == SchedConnect {
				conns += r.Count
			}
			if r.Op == SchedClose && (r.Close < 1 || r.Close > conns) {
				t.Fatalf("close %d with %d requests so far", r.Close, conns)
			}
		}
		if conns != sf.Nginx.Conns {
			t.Fatalf("conns %d, counted %d", sf.Nginx.Conns, conns)
		}
	})
}
