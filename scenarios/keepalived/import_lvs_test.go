package keepalived

import (
	"fmt"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// shape prints a director's load-balancing config without positions, to
// compare what two paths built.
func shape(n *scenarios.Node) string {
	var b strings.Builder
	if ls := n.LVSSync; ls != nil {
		c := *ls
		c.Pos = scenarios.Pos{}
		fmt.Fprintf(&b, "sync %+v\n", c)
	}
	for _, vs := range n.VirtualServers {
		c := *vs
		c.Pos, c.Reals, c.Sorry = scenarios.Pos{}, nil, nil
		fmt.Fprintf(&b, "vs %+v\n", c)
		if vs.Sorry != nil {
			s := *vs.Sorry
			s.Pos = scenarios.Pos{}
			fmt.Fprintf(&b, "  sorry %+v\n", s)
		}
		for _, rs := range vs.Reals {
			r := *rs
			r.Pos, r.Health.Checkers = scenarios.Pos{}, nil
			fmt.Fprintf(&b, "  rs %+v\n", r)
			for _, c := range rs.Health.Checkers {
				fmt.Fprintf(&b, "    check %+v\n", c.Cfg)
			}
		}
	}
	return b.String()
}

// serverShape is what a real server needs to answer a director.
func serverShape(n *scenarios.Node) string {
	var ports []string
	for _, sv := range n.Services {
		ports = append(ports, fmt.Sprint(sv.Port, " ", sv.ResponseTime, " ", sv.ResponseSize))
	}
	var routes []string
	for _, r := range n.Routes {
		routes = append(routes, r.To.String()+" via "+r.Via.String())
	}
	return fmt.Sprint("lo ", n.Loopback, " tunl0 ", n.HasTunnel, n.Tunnel, " arp ", n.ARPIgnore, n.ARPAnnounce, " services ", ports, " routes ", routes)
}

// TestImportLBBuiltinsLoadLikeInline: `vrrpsim import` of each
// load-balancing built-in's keepalived.conf files (with the built-in as
// topology) writes inline YAML that loads into the same virtual servers,
// real servers, checkers and lvs_sync_daemon as the inline built-in
// (check_parser.c, check_api.c, check_tcp.c, check_http.c, check_misc.c,
// global_parser.c lvs_syncd_handler are read once, by the reader; the
// YAML decoder reads the result back).
func TestImportLBBuiltinsLoadLikeInline(t *testing.T) {
	n := 0
	for _, name := range scenarios.BuiltinKeepalivedNames() {
		inline, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		conf, err := scenarios.BuiltinKeepalived(name)
		if err != nil {
			t.Fatal(err)
		}
		var srcs []Source
		for _, nd := range conf.Nodes {
			if nd.Keepalived != nil && len(nd.VirtualServers) > 0 {
				srcs = append(srcs, Source{Node: nd.Name, FS: os.DirFS("../builtin/keepalived"), Path: nd.Keepalived.Path,
					Display: func(p string) string { return path.Join("builtin/keepalived", p) }})
			}
		}
		if len(srcs) == 0 {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			out, finds := Import(srcs, inline, Options{})
			if HasErrors(finds) {
				t.Fatalf("import findings:\n%s", findingLines(finds))
			}
			got, err := scenarios.Load("import.yaml", out)
			if err != nil {
				t.Fatalf("imported YAML does not load: %v\n%s", err, out)
			}
			for _, src := range srcs {
				var a, b *scenarios.Node
				for _, nd := range inline.Nodes {
					if nd.Name == src.Node {
						a = nd
					}
				}
				for _, nd := range got.Nodes {
					if nd.Name == src.Node {
						b = nd
					}
				}
				if a == nil || b == nil {
					t.Fatalf("node %s missing", src.Node)
				}
				if sa, sb := shape(a), shape(b); sa != sb {
					t.Errorf("%s: imported\n%s\nwant (inline)\n%s\nYAML:\n%s", src.Node, sb, sa, out)
				}
			}
			// The topology's real servers keep what answers the director.
			for _, a := range inline.Nodes {
				b := nodeByName(got, a.Name)
				if a.Kind != scenarios.KindServer || b == nil {
					continue
				}
				if sa, sb := serverShape(a), serverShape(b); sa != sb {
					t.Errorf("server %s: imported %s, want %s", a.Name, sb, sa)
				}
			}
		})
	}
	if n < 10 {
		t.Errorf("%d load-balancing built-ins as keepalived.conf, want at least 10", n)
	}
}
