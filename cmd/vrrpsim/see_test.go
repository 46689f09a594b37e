package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

func tsharkOrSkip(t *testing.T) string {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark not installed (.ci/run installs it)")
		}
		t.Skip("tshark not installed")
	}
	return tshark
}

func tsharkFields(t *testing.T, tshark, file string, fields ...string) [][]string {
	t.Helper()
	args := []string{"-r", file, "-n", "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=\t", "-E", "aggregator=|"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.String())
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows
}

// TestBuiltinPcapngsInTshark: tshark reads the pcapng of every built-in
// with no malformed packet; each frame's interface is named node:iface of
// a node interface of the scenario, described with its segment; and the
// state changes and actions of the run show up as packet comments.
func TestBuiltinPcapngsInTshark(t *testing.T) {
	skipUnderRace(t)
	tshark := tsharkOrSkip(t)
	dir := t.TempDir()
	for _, name := range scenarios.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, i := range captureInterfaces(sc) {
				want[i.Name()] = "segment " + i.Segment
			}
			file := filepath.Join(dir, name+".pcapng")
			if code, _, stderr := runCLI(t, "run", name, "-q", "--pcapng", file); code == exitBadInput {
				t.Fatalf("run %s: %s", name, stderr)
			}
			rows := tsharkFields(t, tshark, file, "frame.interface_name", "frame.interface_description", "frame.comment", "_ws.malformed", "_ws.expert.message")
			if len(rows) < 5 {
				t.Fatalf("only %d frames", len(rows))
			}
			comments := 0
			for n, r := range rows {
				if len(r) < 5 {
					t.Fatalf("frame %d: tshark row %q", n+1, r)
				}
				if d, ok := want[r[0]]; !ok || d != r[1] {
					t.Errorf("frame %d on interface %q %q; want one of %v", n+1, r[0], r[1], want)
				}
				if strings.Contains(r[3]+r[4], "alformed") {
					t.Errorf("frame %d: %s %s", n+1, r[3], r[4])
				}
				if strings.Contains(r[2], "INIT -> BACKUP (startup)") || strings.Contains(r[2], "action: ") || strings.Contains(r[2], " real server ") {
					comments++
				}
			}
			if comments == 0 {
				t.Error("no state change, action or real-server comment in the file")
			}
		})
	}
}

// TestPcapSegmentAndTraceFilter: --pcap-segment keeps one segment's
// interfaces and frames; --trace-filter applies to the pcap too.
func TestPcapSegmentAndTraceFilter(t *testing.T) {
	tshark := tsharkOrSkip(t)
	dir := t.TempDir()
	ng, pc := filepath.Join(dir, "srv.pcapng"), filepath.Join(dir, "vrrp.pcap")
	if code, _, stderr := runCLI(t, "run", "uplink-dies", "-q", "--pcap", pc, "--trace-filter", "vrrp and vrid 51"); code == exitBadInput {
		t.Fatal(stderr)
	}
	for _, r := range tsharkFields(t, tshark, pc, "vrrp.virt_rtr_id", "frame.protocols") {
		if r[0] != "51" || !strings.HasSuffix(r[1], ":vrrp") {
			t.Fatalf("pcap kept %v; the filter keeps VRID 51 adverts only", r)
		}
	}
	if code, _, stderr := runCLI(t, "run", "uplink-dies", "-q", "--pcapng", ng, "--pcap-segment", "srv"); code != exitOK {
		t.Fatal(stderr)
	}
	names := map[string]bool{}
	for _, r := range tsharkFields(t, tshark, ng, "frame.interface_name", "frame.interface_description") {
		if r[1] != "segment srv" {
			t.Fatalf("frame on %v with --pcap-segment srv", r)
		}
		names[r[0]] = true
	}
	if len(names) < 2 {
		t.Errorf("interfaces on srv with frames: %v; want the routers' uplinks and the server", names)
	}
}

// TestTraceFilterCLI: the filter reaches the text trace, multi-segment
// frame lines name their segment, and a bad expression is a usage error
// pointing at its column.
func TestTraceFilterCLI(t *testing.T) {
	code, out, stderr := runCLI(t, "run", "uplink-dies", "--trace", "--trace-filter", "vrid 52 and not vrrp or action")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var frames, actions int
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(l, "VRRPv2"):
			t.Errorf("an advert got through 'not vrrp': %s", l)
		case strings.Contains(l, " * "):
			actions++
		}
	}
	if actions != 2 {
		t.Errorf("got %d action lines, want 2 (link_down, link_up)\n%s", actions, out)
	}
	code, out, _ = runCLI(t, "run", "uplink-dies", "--trace", "--trace-filter", "segment srv and vrrp")
	if code != exitOK {
		t.Fatal(code)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "VRRPv2") {
			frames++
			if !strings.Contains(l, "[srv] IP") {
				t.Errorf("frame line does not name its segment: %s", l)
			}
		}
	}
	if frames == 0 {
		t.Error("no srv advert in the trace")
	}
	code, _, stderr = runCLI(t, "run", "uplink-dies", "--trace", "--trace-filter", "vrrp and nod r1")
	if code != exitBadInput || !strings.Contains(stderr, "column 10") || !strings.Contains(stderr, `"nod"`) {
		t.Errorf("bad filter: exit %d, %q; want 2 and column 10", code, stderr)
	}
	code, _, stderr = runCLI(t, "run", "uplink-dies", "-q", "--pcap", filepath.Join(t.TempDir(), "x.pcap"), "--pcap-segment", "dmz")
	if code != exitBadInput || !strings.Contains(stderr, "lan, srv") {
		t.Errorf("bad segment: exit %d, %q; want 2 and the segment names", code, stderr)
	}
}

// TestGraphCLI: the graph of a built-in, coloured at a time, in each
// format; the roles come from the run (r1's uplink is down at 25 s, so
// its VI_2 is in FAULT and r2 is master of VRIDs 52 and 53).
func TestGraphCLI(t *testing.T) {
	code, svg, stderr := runCLI(t, "graph", "uplink-dies", "--at", "25s")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"VI_2 vrid 52 prio 150 FAULT", "VI_2 vrid 52 prio 100 MASTER", "VI_3 vrid 53 prio 100 MASTER", `class="bus segment-srv"`, ">roles at 25s<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	code, plain, _ := runCLI(t, "graph", "uplink-dies")
	if code != exitOK || strings.Contains(plain, "role-") || strings.Contains(plain, "MASTER") {
		t.Errorf("without --at the graph shows roles (exit %d)", code)
	}
	dir := t.TempDir()
	for _, f := range []struct{ file, want string }{
		{"g.dot", `graph "uplink-dies" {`},
		{"g.mmd", "flowchart TB"},
		{"g.png", "\x89PNG"},
	} {
		path := filepath.Join(dir, f.file)
		if code, _, stderr := runCLI(t, "graph", "uplink-dies", "-o", path); code != exitOK {
			t.Fatalf("%s: exit %d %s", f.file, code, stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil || !strings.HasPrefix(string(b), f.want) {
			t.Errorf("%s starts %.20q, want %q (%v)", f.file, b, f.want, err)
		}
	}
	if code, _, stderr := runCLI(t, "graph", "uplink-dies", "--format", "gif"); code != exitBadInput || !strings.Contains(stderr, "svg, png, dot or mermaid") {
		t.Errorf("--format gif: exit %d %q", code, stderr)
	}
}

// TestPlotSequenceCLI: the chart of master-crash around 'crash r1':
// r2's takeover after the Master_Down_Interval (RFC 3768 6.4.2: 3 x 1 s +
// (256-100)/256 s after r1's last advert at 9.414062 = 13.023437 plus
// the lan latency), the GARP burst, the pings lost to the dead master.
func TestPlotSequenceCLI(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI(t, "plot", "master-crash", "--out", dir, "--sequence", "crash r1", "--window", "5s")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	path := filepath.Join(dir, "sequence.svg")
	if !strings.Contains(out, path) {
		t.Errorf("output does not list %s:\n%s", path, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	for _, want := range []string{">crash r1<", ">VI_1 MASTER<", ">13.023457<", "GARP 10.0.0.254 (×5", `class="seq-msg seq-lost msg-icmp"`, `class="seq-state state-master"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	// The filter keeps the chart to VRRP: no ping or ARP arrow.
	if code, _, stderr := runCLI(t, "plot", "master-crash", "--out", dir, "--sequence", "crash r1", "--trace-filter", "vrrp or action"); code != exitOK {
		t.Fatal(stderr)
	}
	b, _ = os.ReadFile(path)
	if strings.Contains(string(b), "msg-icmp") || strings.Contains(string(b), "msg-arp") || !strings.Contains(string(b), "msg-vrrp") {
		t.Error("--trace-filter 'vrrp or action' did not keep the chart to VRRP")
	}
	code, _, stderr = runCLI(t, "plot", "master-crash", "--out", dir, "--sequence", "crash r9")
	if code != exitBadInput || !strings.Contains(stderr, "actions: crash r1") {
		t.Errorf("unknown action: exit %d %q", code, stderr)
	}
}

// TestSeeGolden: text outputs of issue 16's commands against golden files
// in testdata/see (go test -run SeeGolden -update, then review the diff):
// a graded answer, a filtered multi-segment trace, a DOT graph with roles.
func TestSeeGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
		keep func(string) string
	}{
		{"lab-check-weak-weight.txt", []string{"lab", "check", "uplink-tracking", "--student", "s1001", filepath.Join("testdata", "labs", "uplink-tracking", "weak-weight.yaml")}, nil},
		{"trace-srv-vrrp.txt", []string{"run", "uplink-dies", "--trace", "--trace-filter", "segment srv and (vrrp or action)", "--until", "26s"}, traceLines},
		{"graph-uplink-dies-25s.dot", []string{"graph", "uplink-dies", "--at", "25s", "--format", "dot"}, nil},
	}
	for _, tt := range tests {
		_, out, stderr := runCLI(t, tt.args...)
		if out == "" {
			t.Fatalf("%s: no output; stderr %s", tt.name, stderr)
		}
		if tt.keep != nil {
			out = tt.keep(out)
		}
		path := filepath.Join("testdata", "see", tt.name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if out != string(want) {
			t.Errorf("%s differs from %s; if intended, run with -update and review the diff\n%s", tt.name, path, out)
		}
	}
}

// traceLines keeps the trace part of run --trace's output (lines that
// start with a virtual time), not the summary after it.
func traceLines(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && strings.Count(f[0], ".") == 1 && strings.Trim(f[0], "0123456789.") == "" {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n") + "\n"
}

// TestPcapngShowsWhoSawWhat: every frame is in the pcapng once on the
// interface that sent it (outbound) and once on each interface the switch
// delivered it to (inbound). In master-crash, r1's first advert (a
// multicast, flooded) is seen by r2 and h1; after the crash nothing r2
// sends reaches r1's interface.
func TestPcapngShowsWhoSawWhat(t *testing.T) {
	tshark := tsharkOrSkip(t)
	file := filepath.Join(t.TempDir(), "mc.pcapng")
	if code, _, stderr := runCLI(t, "run", "master-crash", "-q", "--pcapng", file); code != exitOK {
		t.Fatal(stderr)
	}
	rows := tsharkFields(t, tshark, file, "frame.interface_name", "frame.time_relative", "vrrp.prio", "frame.packet_flags_direction")
	const in, out = "0x00000001", "0x00000002"
	if len(rows) == 0 || rows[0][0] != "r1:eth0" || rows[0][2] != "150" || rows[0][3] != out {
		t.Fatalf("first frame %v: want r1's first advert (prio 150), outbound on r1:eth0", rows[:min(1, len(rows))])
	}
	seen := map[string]string{}
	sentAfterCrash, receivedAfterCrash := 0, 0
	for _, r := range rows {
		rel, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatalf("time %q: %v", r[1], err)
		}
		if rel < 0.001 && r[2] == "150" && seen[r[0]] == "" {
			seen[r[0]] = r[3] // r1's first advert, at 3.414062 s: the file's first frame
		}
		// r1 became master at 3.414062 s and crashed at 10 s, 6.585938 s
		// into the file: it sends nothing more, though the switch still
		// puts flooded frames on its cable.
		if r[0] == "r1:eth0" && rel > 6.586 {
			if r[3] == out {
				sentAfterCrash++
			} else {
				receivedAfterCrash++
			}
		}
	}
	if seen["r1:eth0"] != out || seen["r2:eth0"] != in || seen["h1:eth0"] != in {
		t.Errorf("r1's first advert: %v; want outbound on r1:eth0, inbound on r2:eth0 and h1:eth0", seen)
	}
	if sentAfterCrash != 0 || receivedAfterCrash == 0 {
		t.Errorf("after r1's crash: %d frames sent and %d delivered on r1:eth0; want none sent, r2's adverts delivered", sentAfterCrash, receivedAfterCrash)
	}
	// Without --pcapng the segments trace no deliveries: the plain pcap
	// has each frame once.
	pc := filepath.Join(t.TempDir(), "mc.pcap")
	if code, _, stderr := runCLI(t, "run", "master-crash", "-q", "--pcap", pc); code != exitOK {
		t.Fatal(stderr)
	}
	if n := len(tsharkFields(t, tshark, pc, "frame.len")); n*2 > len(rows) || n >= len(rows) {
		t.Errorf("pcap has %d frames, pcapng %d: want the pcapng to hold each frame on its sender and its receivers", n, len(rows))
	}
}

// TestPlotSequenceAsIssueSpellsIt: `vrrpsim plot FILE --sequence 'crash
// r1' --window 5s` (issue 16's own words, no --out) writes the chart to
// stdout, the same chart --out writes as sequence.svg.
func TestPlotSequenceAsIssueSpellsIt(t *testing.T) {
	code, out, stderr := runCLI(t, "plot", "master-crash", "--sequence", "crash r1", "--window", "5s")
	if code != exitOK || !strings.HasPrefix(out, "<svg") || stderr != "" {
		t.Fatalf("exit %d, stdout %.60q, stderr %q; want the chart as SVG on stdout", code, out, stderr)
	}
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "plot", "master-crash", "--sequence", "crash r1", "--window", "5s", "--out", dir); code != exitOK {
		t.Fatal(stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sequence.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != out {
		t.Error("stdout chart differs from --out's sequence.svg")
	}
	if code, _, _ := runCLI(t, "plot", "master-crash"); code != exitBadInput {
		t.Errorf("plot with neither --out nor --sequence: exit %d, want 2", code)
	}
}
