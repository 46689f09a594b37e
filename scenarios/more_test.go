package scenarios

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

func FuzzLoad(f *testing.F) {
	for _, n := range BuiltinNames() {
		_, data, _ := BuiltinSource(n)
		f.Add(data)
	}
	f.Add([]byte(baseYAML))
	f.Add([]byte("name: x\nnodes: {a: {kind: host}}\ntimeline: [{at: 1s, crash: a}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load("f.yaml", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml:") {
					t.Fatalf("error line without file:line:col: %q", line)
				}
			}
			return
		}
		if s == nil {
			t.Fatal("nil scenario without error")
		}
		for _, ev := range s.Timeline {
			_ = ev.Action.String()
		}
		for _, e := range s.Expect {
			_ = e.String()
		}
		// A file that loads must build, or fail with a located error,
		// and run a moment without a panic (LVS directors, TCP clients and
		// services included).
		k := sim.New(s.Seed)
		w, err := Build(s, k)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml:") {
				t.Fatalf("build error without file:line:col: %v", err)
			}
			return
		}
		w.Start()
		// At most 200 ms of virtual time and 100000 events: a 1 ns ping
		// interval is a valid file but not a quick one.
		end := sim.Time(min(s.Duration, 200*time.Millisecond))
		for i := 0; i < 100000 && k.Step(end); i++ {
		}
	})
}

func TestExpectationString(t *testing.T) {
	src := baseYAML + `    traffic:
      - ping: {to: 10.0.0.254, interval: 20ms}
      - stream: {to: 10.0.0.254, rate: 100, name: web}
timeline:
  - {at: 10s, crash: r1}
expect:
  - {at: 9s, master: {VI_1: r1}}
  - {after: crash r1, within: 3.7s, master: {VI_1: none}}
  - {no_split_brain: true}
  - {split_brain_at_most: 1s}
  - {flow: h1/ping-1, lost_at_most: 200}
  - {flow: web, outage_at_most: 4s}
  - {transitions_at_most: 2, instance: VI_1}
  - {transitions_at_most: 1, instance: VI_1, after: crash r1}
  - {transitions_at_most: 1, instance: VI_1, after: crash r1, within: 5s}
  - {arp: {host: h1, ip: 10.0.0.254, points_to: r1}, by: 5s}
  - {arp: {host: h1, ip: 10.0.0.254, points_to: r1}, after: crash r1 @10s, within: 2s}
`
	s, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"at 9s: VI_1 master is r1",
		"within 3.7s after crash r1: VI_1 has no master",
		"no split brain",
		"split brain at most 1s",
		"flow h1/ping-1 lost at most 200",
		"flow web outage at most 4s",
		"VI_1 transitions at most 2",
		"after crash r1: VI_1 transitions at most 1",
		"within 5s after crash r1: VI_1 transitions at most 1",
		"by 5s: h1 ARP 10.0.0.254 points to r1",
		"within 2s after crash r1 @10s: h1 ARP 10.0.0.254 points to r1",
	}
	if len(s.Expect) != len(want) {
		t.Fatalf("got %d expectations, want %d", len(s.Expect), len(want))
	}
	for i, w := range want {
		if got := s.Expect[i].String(); got != w {
			t.Errorf("expect %d: got %q, want %q", i, got, w)
		}
	}
	if s.Expect[8].Within != 5*time.Second {
		t.Errorf("transitions window: got within %v, want 5s", s.Expect[8].Within)
	}
	if s.Expect[10].AfterEvent != 0 {
		t.Errorf("got after event %d, want 0", s.Expect[10].AfterEvent)
	}
	st := s.Nodes[1].Traffic[1]
	if st.Kind != FlowStream || st.Rate != 100 || st.Port != 7 || st.Size != 100 || st.Name != "web" {
		t.Errorf("got stream %+v, want web 100pps port 7 size 100", st)
	}
}

func TestTrackingForms(t *testing.T) {
	src := strings.Replace(baseYAML, "      eth0: {segment: lan, address: 10.0.0.1/24}", `      eth0: {segment: lan, address: 10.0.0.1/24}
      eth1: {segment: lan, addresses: [192.168.0.1/24, 192.168.1.1/24]}`, 1)
	src = strings.Replace(src, "        priority: 150", `        priority: 150
        track_interface: [eth1]
        track_script: [chk_a]
        track:
          - {interface: eth1, decrement: 30}
          - {script: chk_b, decrement: 10}
      VI_2:
        interface: eth1
        virtual_router_id: 52
        track_interface: {eth0: {weight: -20}}
        track_script: {chk_b: {weight: 5}, chk_a: {}}`, 1)
	src = strings.Replace(src, "segments:", "scripts:\n  chk_a: {weight: -40}\n  chk_b:\nsegments:", 1)
	s, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	vi1, vi2 := s.Nodes[0].VRRP[0], s.Nodes[0].VRRP[1]
	got := func(ts []*Track) string {
		var parts []string
		for _, t := range ts {
			parts = append(parts, t.Name+"="+itoa(t.Weight))
		}
		return strings.Join(parts, ",")
	}
	// A bare name in track_interface has weight 0 (keepalived: FAULT on
	// failure); a bare track_script takes the script's weight; Cisco/Huawei
	// "decrement 30" is weight -30.
	if g := got(vi1.TrackInterfaces); g != "eth1=0,eth1=-30" {
		t.Errorf("VI_1 track_interface: got %s, want eth1=0,eth1=-30", g)
	}
	if g := got(vi1.TrackScripts); g != "chk_a=-40,chk_b=-10" {
		t.Errorf("VI_1 track_script: got %s, want chk_a=-40,chk_b=-10", g)
	}
	if g := got(vi2.TrackInterfaces); g != "eth0=-20" {
		t.Errorf("VI_2 track_interface: got %s, want eth0=-20", g)
	}
	if g := got(vi2.TrackScripts); g != "chk_b=5,chk_a=-40" {
		t.Errorf("VI_2 track_script: got %s, want chk_b=5,chk_a=-40", g)
	}
	if n := len(s.Nodes[0].Interfaces[1].Addresses); n != 2 {
		t.Errorf("got %d addresses on eth1, want 2", n)
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}

func TestTimelineActions(t *testing.T) {
	src := baseYAML + `timeline:
  - {at: 1s, link_down: {node: r1, interface: eth0}}
  - {at: 2s, link_up: r1/eth0}
  - {at: 3s, port_down: {segment: lan, node: h1}}
  - {at: 4s, port_up: lan/h1}
  - {at: 5s, impair: {segment: lan, node: r1, loss: "5%", latency: 2ms}}
  - {at: 6s, block: {segment: lan, class: vrrp, from: r1, id: b1}}
  - {at: 7s, unblock: {segment: lan, id: b1}}
  - {at: 8s, set_priority: {node: r1, instance: VI_1, priority: 90}}
  - {at: 9s, fail_interface: r1/eth0}
  - {at: 10s, inject: {segment: lan, from: h1, frame: {vrrp: {vrid: 51, priority: 255, src: 10.0.0.99, checksum: 0x1234, addrs: [10.0.0.254]}}}}
  - {at: 11s, inject: {segment: lan, frame: {arp: {op: reply, sender_ip: 10.0.0.254, sender_mac: "02:00:00:00:00:99", target_ip: 10.0.0.10}}}}
  - {at: 12s, inject: {segment: lan, frame: {raw: "ff ff ff ff ff ff 02 00 00 00 00 01 08 06"}}}
`
	s, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"link_down r1/eth0", "link_up r1/eth0", "port_down lan/h1", "port_up lan/h1", "impair lan/r1",
		"block lan/b1", "unblock lan/b1", "set_priority r1/VI_1=90", "fail_interface r1/eth0",
		"inject lan vrrp from h1", "inject lan arp", "inject lan raw"}
	for i, w := range want {
		if got := s.Timeline[i].Action.String(); got != w {
			t.Errorf("action %d: got %q, want %q", i, got, w)
		}
	}
	im := s.Timeline[4].Action
	if im.Loss == nil || *im.Loss != 0.05 || im.Latency == nil || *im.Latency != 2*time.Millisecond || im.Jitter != nil {
		t.Errorf("got impair %+v, want loss 0.05 latency 2ms jitter unchanged", im)
	}
	v := s.Timeline[9].Action.Frame.VRRP
	if v.VRID != 51 || v.Priority != 255 || v.Checksum == nil || *v.Checksum != 0x1234 || v.TTL != 255 || v.Version != 2 ||
		v.Src != netip.MustParseAddr("10.0.0.99") || len(v.Addrs) != 1 {
		t.Errorf("got vrrp frame %+v", v)
	}
	a := s.Timeline[10].Action.Frame.ARP
	if a.Op != "reply" || a.SenderMAC != [6]byte{2, 0, 0, 0, 0, 0x99} || a.TargetMAC != [6]byte{} {
		t.Errorf("got arp frame %+v", a)
	}
	if raw := s.Timeline[11].Action.Frame.Raw; len(raw) != 14 || raw[12] != 8 || raw[13] != 6 {
		t.Errorf("got raw % x", raw)
	}
}

func TestOverrides(t *testing.T) {
	_, data, _ := BuiltinSource("master-crash")
	s, err := LoadWithOverrides("m.yaml", data, map[string]string{
		"nodes.r2.vrrp.VI_1.advert_int": "2",
		"segments.lan.loss":             "0.01",
		"seed":                          "7",
		"duration":                      "40s",
		"timeline.0.at":                 "12s",
		"nodes.h1.arp.profile":          "fixed",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Nodes[1].VRRP[0].AdvertInt != 2*time.Second || s.Segments[0].Loss != 0.01 || s.Seed != 7 ||
		s.Duration != 40*time.Second || s.Timeline[0].At.Sub(0) != 12*time.Second || s.Nodes[2].ARP.Profile != ARPProfileFixed {
		t.Errorf("overrides not applied: advert %v loss %v seed %d duration %v at %v arp %s", s.Nodes[1].VRRP[0].AdvertInt,
			s.Segments[0].Loss, s.Seed, s.Duration, s.Timeline[0].At, s.Nodes[2].ARP.Profile)
	}
	if err := s.Set("nodes.r1.vrrp.VI_1.priority", "90"); err != nil {
		t.Fatal(err)
	}
	if s.Nodes[0].VRRP[0].Priority != 90 || s.Seed != 7 {
		t.Errorf("Set: got priority %d seed %d, want 90 7 (earlier overrides kept)", s.Nodes[0].VRRP[0].Priority, s.Seed)
	}
	bad := []struct{ path, value, want string }{
		{"nodes.r9.kind", "host", `--set nodes.r9.kind:1:1: cannot set nodes.r9.kind: no key "r9" at nodes; valid keys: r1, r2, h1`},
		{"nodes.r1.vrrp.VI_1.prority", "1", `--set nodes.r1.vrrp.VI_1.prority:1:1: cannot set nodes.r1.vrrp.VI_1.prority: no key "prority" at nodes.r1.vrrp.VI_1; valid keys: state, interface`},
		{"segments.lan.loss", "2", `--set segments.lan.loss:1:1: loss in segment lan: 2 out of range; valid: 0..1`},
		{"nodes.r1.vrrp.VI_1.advert_int", "10 s", `--set nodes.r1.vrrp.VI_1.advert_int:1:1: advert_int in vrrp instance VI_1 of r1: bad duration "10 s"`},
		{"bogus", "1", `no key "bogus" at the top level; valid keys: name, description`},
		{"timeline.5.at", "1s", `no key "5" at timeline; valid keys: 0`},
	}
	for _, b := range bad {
		before := s.Nodes[0].VRRP[0].Priority
		err := s.Set(b.path, b.value)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Set(%s, %s): got %v, want %q", b.path, b.value, err, b.want)
		}
		if s.Nodes[0].VRRP[0].Priority != before {
			t.Errorf("failed Set changed the scenario")
		}
	}
}

func BenchmarkLoadMasterCrash(b *testing.B) {
	_, data, _ := BuiltinSource("master-crash")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("m.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
