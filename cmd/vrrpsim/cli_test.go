package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// runCLI runs the CLI in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunDefaultScenarioReportsExactTakeover(t *testing.T) {
	code, out, stderr := runCLI(t, "run")
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s\n%s", code, stderr, out)
	}
	// RFC 3768 section 6.1: Master_Down_Interval = 3 * 1 s + (256-100)/256 s.
	if !strings.Contains(out, "3.609375") {
		t.Errorf("summary does not show the 3.609375 s takeover after r1's last advert:\n%s", out)
	}
	for _, want := range []string{"master-crash", "BACKUP -> MASTER", "crash r1", "PASS"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestRunIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	var outs [2][3][]byte
	for i := range outs {
		pcap := filepath.Join(dir, "run.pcap")
		code, js, stderr := runCLI(t, "run", "--json", "--pcap", pcap)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		_, tr, _ := runCLI(t, "run", "--trace")
		p, err := os.ReadFile(pcap)
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = [3][]byte{[]byte(js), []byte(tr), p}
	}
	for j, what := range []string{"JSON", "trace", "pcap"} {
		if !bytes.Equal(outs[0][j], outs[1][j]) {
			t.Errorf("%s differs between two runs of the same scenario and seed", what)
		}
		if len(outs[0][j]) == 0 {
			t.Errorf("%s is empty", what)
		}
	}
}

func TestRunSeedChangesNothingButSeedForDeterministicScenario(t *testing.T) {
	code, out, _ := runCLI(t, "run", "--json", "--seed", "7")
	if code != exitOK || !strings.Contains(out, `"seed": 7`) {
		t.Fatalf("exit %d, want seed 7 in JSON:\n%s", code, out)
	}
}

func TestListShowsBuiltins(t *testing.T) {
	code, out, _ := runCLI(t, "list")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, n := range scenarios.BuiltinNames() {
		if !strings.Contains(out, n) {
			t.Errorf("list lacks %s", n)
		}
	}
}

func TestBadInputExitsTwoWithPosition(t *testing.T) {
	dir := t.TempDir()
	base, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "builtin", "master-crash.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, from, to, want string
	}{
		{"bad key", "        priority: 150", "        prority: 150", `unknown key "prority"`},
		{"bad duration", "duration: 30s", "duration: 30 parsecs", "duration"},
		{"unknown node in timeline", "crash: r1", "crash: r9", `"r9"`},
		{"duplicate address", "address: 10.0.0.2/24", "address: 10.0.0.1/24", "10.0.0.1"},
		{"vrid out of range", "virtual_router_id: 51\n        priority: 150", "virtual_router_id: 300\n        priority: 150", "virtual_router_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(string(base), c.from, c.to, 1)
			if src == string(base) {
				t.Fatalf("test setup: %q not found in master-crash.yaml", c.from)
			}
			path := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, "run", path)
			if code != exitBadInput {
				t.Errorf("exit %d, want 2", code)
			}
			line := strings.TrimSpace(stderr)
			if strings.Count(line, "\n") > 0 {
				t.Errorf("want one error line, got:\n%s", stderr)
			}
			if !strings.HasPrefix(line, path+":") || !strings.Contains(line, c.want) {
				t.Errorf("error %q does not start with %s:LINE:COL or lacks %q", line, path, c.want)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace in output: %s", stderr)
			}
		})
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"run", "--nope"}, {"run", "no-such-scenario"}, {"run", "--until", "soon"}, {"run", "a", "b"},
		{"run", "--json", "--trace"}, // both on stdout: --trace used to vanish silently
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitBadInput || stderr == "" {
			t.Errorf("%v: exit %d stderr %q, want 2 and a message", args, code, stderr)
		}
	}
}

// TestHelpOfEveryCommand: 'vrrpsim C --help', 'C -h' and 'vrrpsim help C'
// print C's usage on stdout (so it can be paged or grepped) and exit 0;
// 'help' of an unknown command is a usage error.
func TestHelpOfEveryCommand(t *testing.T) {
	for _, c := range strings.Split(commandList, ", ") {
		for _, args := range [][]string{{c, "--help"}, {c, "-h"}, {"help", c}} {
			code, out, stderr := runCLI(t, args...)
			if code != exitOK || !strings.HasPrefix(out, "usage: vrrpsim "+c) || stderr != "" {
				t.Errorf("%v: got exit %d, stdout %.40q, stderr %q; want 0, usage of %s on stdout, nothing on stderr", args, code, out, stderr, c)
			}
		}
	}
	for _, args := range [][]string{{"help", "bogus"}, {"help", "run", "list"}, {"list", "extra"}} {
		code, _, stderr := runCLI(t, args...)
		if code != exitBadInput || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: got exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

// TestBuiltinPcapsDecodeInTshark writes the pcap of every built-in scenario
// and has tshark dissect it: no malformed packet, no bad checksum, every
// frame decoded as the protocol intended.
func TestBuiltinPcapsDecodeInTshark(t *testing.T) {
	skipUnderRace(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark not installed (.ci/run installs it)")
		}
		t.Skip("tshark not installed")
	}
	dir := t.TempDir()
	for _, name := range scenarios.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			pcap := filepath.Join(dir, name+".pcap")
			if code, _, stderr := runCLI(t, "run", name, "-q", "--pcap", pcap); code == exitBadInput {
				t.Fatalf("run %s: %s", name, stderr)
			}
			cmd := exec.Command(tshark, "-r", pcap, "-n",
				"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
				"-T", "fields", "-e", "frame.number", "-e", "frame.protocols",
				"-e", "_ws.malformed", "-e", "_ws.expert.message")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr // tshark warns about running as root there
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tshark: %v\n%s%s", err, out, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) < 5 {
				t.Fatalf("only %d frames in %s", len(lines), name)
			}
			allowed := []string{"eth:ethertype:arp", "eth:ethertype:ip:vrrp", "eth:ethertype:ip:icmp:data", "eth:ethertype:ip:udp:echo", "eth:ethertype:ip:udp:data",
				// Load balancing: TCP and its HTTP, plain or in IPIP (LVS-TUN),
				// and the ICMP errors IPVS relays.
				"eth:ethertype:ip:tcp", "eth:ethertype:ip:tcp:http", "eth:ethertype:ip:tcp:http:data",
				"eth:ethertype:ip:ip:tcp", "eth:ethertype:ip:ip:tcp:http", "eth:ethertype:ip:ip:tcp:http:data",
				"eth:ethertype:ip:icmp:ip:tcp",
				// The IPVS connection sync daemon (tshark's "ipvs" on UDP 8848).
				"eth:ethertype:ip:udp:ipvs"}
			for _, l := range lines {
				f := strings.Split(l, "\t")
				if len(f) < 2 {
					t.Errorf("tshark line %q", l)
					continue
				}
				ok := false
				for _, a := range allowed {
					ok = ok || f[1] == a
				}
				if !ok {
					t.Errorf("frame %s decoded as %s", f[0], f[1])
				}
				rest := strings.Join(f[2:], " ")
				if strings.Contains(rest, "alformed") || strings.Contains(strings.ToLower(rest), "bad checksum") || strings.Contains(rest, "incorrect") {
					t.Errorf("frame %s: %s", f[0], rest)
				}
			}
		})
	}
}

// TestRunPrintsScenarioWarnings: a DR real server without the VIP on lo
// loads (the run shows its drops) but run says so on stderr, located.
func TestRunPrintsScenarioWarnings(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(builtinDir, "lvs-dr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src := edited(t, string(b), "      eth0: {segment: lan, address: 10.0.0.11/24, gateway: 10.0.0.1}\n      lo: {addresses: [10.0.0.100/32]}\n",
		"      eth0: {segment: lan, address: 10.0.0.11/24, gateway: 10.0.0.1}\n")
	path := writeFile(t, filepath.Join(t.TempDir(), "nolo.yaml"), src)
	code, out, stderr := runCLI(t, "run", path)
	if code != exitFailed {
		t.Errorf("exit %d, want 1 (rs1 drops the director's packets, connections fail)", code)
	}
	if !strings.Contains(stderr, "nolo.yaml:45:11: warning: DR real_server 10.0.0.11 80 (rs1) does not hold the VIP 10.0.0.100 on lo") {
		t.Errorf("stderr lacks the located warning:\n%s", stderr)
	}
	if !strings.Contains(out, "rs1 eth0 not_for_us") {
		t.Errorf("the report does not show rs1's drops:\n%s", out)
	}
	if code, _, stderr := runCLI(t, "run", path, "-q"); stderr != "vrrpsim: 1 expectation(s) failed\n" || code != exitFailed {
		t.Errorf("-q: exit %d, stderr %q; want only the failure line", code, stderr)
	}
}

// skipUnderRace skips a test that runs every built-in only to hand its
// capture to tshark: under -race it costs minutes and checks no concurrency
// (the simulation is single-threaded). make test runs these tests in its
// builtins step, without -race.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("tshark decode test: run without -race (make builtins)")
	}
}
