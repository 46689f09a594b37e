package keepalived

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// benchConfig is a director with 200 real servers and 50 static routes
// made by ~SEQ, the size of a large production file.
func benchConfig(b *testing.B) fstest.MapFS {
	lvs, err := os.ReadFile("testdata/lvs/keepalived.conf")
	if err != nil {
		b.Fatal(err)
	}
	var s strings.Builder
	s.Write(lvs)
	s.WriteString("virtual_server 10.2.0.100 443 {\n  lb_algo rr\n~SEQ(n, 1, 200)  real_server 10.2.${n}.1 443 { weight 1 }\n}\n")
	s.WriteString("static_routes {\n~SEQ(i, 1, 50)  10.3.${i}.0/24 via 10.1.0.1 dev eth0\n}\n")
	return fstest.MapFS{"k.conf": &fstest.MapFile{Data: []byte(s.String())}}
}

func BenchmarkReadConfig(b *testing.B) {
	fsys := benchConfig(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := &Reader{FS: fsys}
		lines, _ := r.ReadConfig("k.conf")
		if len(lines) < 200 {
			b.Fatalf("%d lines", len(lines))
		}
	}
}

func BenchmarkImport(b *testing.B) {
	fsys := benchConfig(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, _ := Import([]Source{{Node: "lb1", FS: fsys, Path: "k.conf"}}, nil, Options{})
		if len(out) == 0 {
			b.Fatal("no output")
		}
	}
}

// BenchmarkLoadCheckers reads a director whose 200 real servers each
// have a TCP_CHECK and an HTTP_GET, behind a virtual_server_group of 4
// addresses (800 real servers after the expansion).
func BenchmarkLoadCheckers(b *testing.B) {
	conf := "virtual_server_group G {\n 10.2.0.1-4 80\n}\nvirtual_server group G {\n delay_loop 6\n lb_algo wrr\n" +
		"~SEQ(n, 1, 200) real_server 10.3.0.${n} 80 { weight 1 TCP_CHECK { connect_timeout 3 retry 3 delay_before_retry 1 } HTTP_GET { url { path /health status_code 200-299 } connect_timeout 2 } }\n}\n"
	fsys := fstest.MapFS{"k.conf": &fstest.MapFile{Data: []byte(conf)}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cfg := Load(Source{Node: "lb1", FS: fsys, Path: "k.conf"}, Options{})
		if len(cfg.VirtualServers) != 4 || len(cfg.VirtualServers[3].Reals) != 200 {
			b.Fatalf("%d virtual servers\n%s", len(cfg.VirtualServers), findingLines(cfg.Findings))
		}
	}
}
