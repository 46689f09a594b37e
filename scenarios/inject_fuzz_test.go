package scenarios

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// injectWorld is the small world the inject tests break: two routers and a
// host pinging the VIP. AUTH is replaced by an authentication block (or
// nothing) and TIMELINE by the inject actions.
const injectWorld = `
name: inject
duration: 20s
segments:
  lan: {}
nodes:
  r1:
    kind: router
    interfaces:
      eth0: {segment: lan, address: 10.0.0.1/24}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, priority: 150, virtual_ipaddress: [10.0.0.254]AUTH}
  r2:
    kind: router
    interfaces:
      eth0: {segment: lan, address: 10.0.0.2/24}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, priority: 100, virtual_ipaddress: [10.0.0.254]AUTH}
  h1:
    kind: host
    interfaces:
      eth0: {segment: lan, address: 10.0.0.10/24, gateway: 10.0.0.254}
    traffic:
      - ping: {to: 10.0.0.254, interval: 100ms, start: 4s}
TIMELINE
`

// injectRun loads the world, runs it to 20 s and returns the trace.
func injectRun(t testing.TB, auth, timeline string, extra []*Event) ([]sim.Record, *World) {
	t.Helper()
	src := strings.ReplaceAll(injectWorld, "AUTH", auth)
	src = strings.Replace(src, "TIMELINE", timeline, 1)
	sc, err := Load("inject.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	sc.Timeline = append(sc.Timeline, extra...)
	k := sim.New(1)
	var recs []sim.Record
	k.AddTracer(func(r *sim.Record) {
		c := *r
		c.Frame = nil
		recs = append(recs, c)
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	w.Start()
	k.Run(sim.Time(20 * time.Second))
	w.Finish() // the advert path's unknown-VRID drops, as tally records
	return recs, w
}

// advert encodes an Ethernet frame with a VRRP advert, optionally with a
// literal checksum or Count IP Addrs.
func advert(t testing.TB, v wire.VRRP, ttl uint8, opt wire.EncodeOptions) []byte {
	t.Helper()
	enc := wire.NewEncoder()
	pkt, err := enc.VRRPPacket(wire.IPv4Header{TOS: 0xc0, ID: 1, TTL: ttl, Protocol: wire.ProtoVRRP,
		Src: netip.MustParseAddr("10.0.0.66"), Dst: wire.VRRPGroup}, &v, opt)
	if err != nil {
		t.Fatal(err)
	}
	pkt = append([]byte(nil), pkt...)
	return append([]byte(nil), enc.Ethernet(wire.MulticastMAC(wire.VRRPGroup), wire.MAC{0x02, 0xee, 0, 0, 0, 1}, wire.EtherTypeIPv4, pkt)...)
}

// TestInjectMalformedFramesAreCountedAsDrops injects one malformed or
// rejected frame at 10 s, through the `inject` action (raw hex or vrrp
// fields), and checks that the backup r2 counts it under the right reason
// and that nothing else changes: r1 stays master with no transition.
func TestInjectMalformedFramesAreCountedAsDrops(t *testing.T) {
	vip := []netip.Addr{netip.MustParseAddr("10.0.0.254")}
	good := wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 200, AdverInt: 1, Addrs: vip}
	rawOf := func(b []byte) string { return `frame: {raw: "` + hex.EncodeToString(b) + `"}` }

	truncated := advert(t, good, 255, wire.EncodeOptions{})
	// Cut the VRRP message after 6 of its 8 header octets and fix the
	// IPv4 total length (and header checksum) so only VRRP is short.
	truncated = truncated[:14+20+6]
	binary.BigEndian.PutUint16(truncated[14+2:], 26)
	truncated[14+10], truncated[14+11] = 0, 0
	binary.BigEndian.PutUint16(truncated[14+10:], ipChecksum(truncated[14:34]))

	version1 := advert(t, good, 255, wire.EncodeOptions{})
	version1[34] = 0x11 // version 1, type 1
	fixVRRPChecksum(version1)

	badType := advert(t, good, 255, wire.EncodeOptions{})
	badType[34] = 0x22 // version 2, type 2
	fixVRRPChecksum(badType)

	count := advert(t, good, 255, wire.EncodeOptions{KeepLength: true, Count: 3})

	for _, tc := range []struct {
		name   string
		auth   string
		frame  string
		reason string
	}{
		{"truncated VRRP", "", rawOf(truncated), "truncated"},
		{"wrong VRRP version in raw bytes", "", rawOf(version1), "bad_version"},
		{"VRRP type not advertisement", "", rawOf(badType), "bad_type"},
		{"count IP addrs mismatch", "", rawOf(count), "bad_length"},
		{"runt frame", "", `frame: {raw: "01005e00001202eeeeeeeeee08"}`, ""}, // rejected by the loader: see below
		{"bad checksum", "", `frame: {vrrp: {vrid: 51, priority: 200, src: 10.0.0.66, addrs: [10.0.0.254], checksum: 0x1234}}`, "bad_checksum"},
		{"TTL 64 (RFC 3768 section 7.1)", "", `frame: {vrrp: {vrid: 51, priority: 200, src: 10.0.0.66, addrs: [10.0.0.254], ttl: 64}}`, vrrp.DropTTL.String()},
		{"version 3 to a v2 instance", "", `frame: {vrrp: {vrid: 51, priority: 200, src: 10.0.0.66, addrs: [10.0.0.254], version: 3}}`, vrrp.DropVersionMismatch.String()},
		{"wrong password", `, authentication: {auth_type: PASS, auth_pass: secret}`, `frame: {vrrp: {vrid: 51, priority: 200, src: 10.0.0.66, addrs: [10.0.0.254], auth_pass: wrong}}`, vrrp.DropAuthMismatch.String()},
		{"password to an instance without auth", "", `frame: {vrrp: {vrid: 51, priority: 200, src: 10.0.0.66, addrs: [10.0.0.254], auth_pass: secret}}`, vrrp.DropAuthTypeMismatch.String()},
		{"advert interval mismatch", "", `frame: {vrrp: {vrid: 51, priority: 200, src: 10.0.0.66, addrs: [10.0.0.254], advert_int: 3s}}`, vrrp.DropIntervalMismatch.String()},
		{"unknown VRID", "", `frame: {vrrp: {vrid: 99, priority: 200, src: 10.0.0.66, addrs: [10.0.0.254]}}`, "vrrp_unknown_vrid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := "timeline:\n  - {at: 10s, inject: {segment: lan, " + tc.frame + "}}\n"
			if tc.reason == "" {
				// A frame shorter than an Ethernet header is refused with a
				// clear error by the loader; the segment drops runts that
				// reach it some other way (FuzzInject covers that).
				src := strings.ReplaceAll(injectWorld, "AUTH", tc.auth)
				if _, err := Load("inject.yaml", []byte(strings.Replace(src, "TIMELINE", tl, 1))); err == nil || !strings.Contains(err.Error(), "14-byte Ethernet header") {
					t.Fatalf("got error %v, want one about the 14-byte Ethernet header", err)
				}
				return
			}
			recs, w := injectRun(t, tc.auth, tl, nil)
			n := 0
			for _, r := range recs {
				if r.Kind == sim.KindDrop && r.Node == "r2" && r.Reason == tc.reason && r.At >= sim.Time(10*time.Second) {
					n += max(int(r.Value), 1) // a tally counts Value drops
				}
				if r.Kind == sim.KindDrop && r.Comp == "timeline" {
					t.Errorf("action failed: %s", r.Reason)
				}
				if r.Kind == sim.KindState && r.At >= sim.Time(10*time.Second) {
					t.Errorf("%s %s went %s -> %s (%s) after the injection, want no change", r.Node, r.Comp, r.From, r.To, r.Reason)
				}
			}
			if n != 1 {
				t.Errorf("r2 counted %d drops %q, want 1", n, tc.reason)
			}
			r1, _ := w.Node("r1")
			if sp, _ := r1.Speaker("VI_1"); sp.State() != vrrp.StateMaster {
				t.Errorf("r1 VI_1 is %v, want MASTER", sp.State())
			}
		})
	}
}

// ipChecksum is the IPv4 header checksum (RFC 791).
func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// fixVRRPChecksum recomputes the v2 checksum of the VRRP message of an
// Ethernet+IPv4 frame after a header octet was changed.
func fixVRRPChecksum(f []byte) {
	m := f[34:]
	m[6], m[7] = 0, 0
	binary.BigEndian.PutUint16(m[6:], ipChecksum(m))
}

// decodeReasons are the drop reasons of a frame the decoder rejects (a
// node's decodeReason, or the segment's runt check), and the segment's
// ingress check for a group or zero source MAC, which drops such a frame
// before any node decodes it (Linux br_handle_frame).
var decodeReasons = map[string]bool{"truncated": true, "bad_checksum": true, "bad_version": true,
	"bad_type": true, "bad_length": true, "malformed": true, "runt": true, "bad_source": true}

// FuzzInject runs the small world while the fuzzer's bytes are injected
// onto the segment: as raw frames, and as VRRP adverts and ARP packets
// whose fields come from the bytes. The simulator must never panic, the run
// must complete, and every raw frame the decoder rejects must be counted as
// a drop (a KindDrop record with a decode reason) when it is delivered.
func FuzzInject(f *testing.F) {
	f.Add([]byte{0, 14, 0x01, 0x00, 0x5e, 0, 0, 0x12, 2, 0xee, 0, 0, 0, 1, 0x08, 0x00})
	f.Add([]byte{1, 8, 51, 255, 2, 255, 1, 0, 0, 1})
	f.Add([]byte{2, 6, 2, 10, 0, 0, 254, 10})
	f.Add(advert(f, wire.VRRP{Version: 2, Type: 1, VRID: 51, Priority: 255, AdverInt: 1,
		Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.254")}}, 255, wire.EncodeOptions{KeepChecksum: true}))
	f.Fuzz(func(t *testing.T, data []byte) {
		var events []*Event
		var raws []sim.Time // injection times of raw frames the decoder rejects
		learned := map[wire.MAC]bool{}
		dec := wire.NewDecoder()
		at := sim.Time(5 * time.Second)
		for len(data) >= 2 && len(events) < 16 {
			mode, n := data[0]%3, int(data[1])
			data = data[2:]
			n = min(n, len(data))
			chunk := data[:n]
			data = data[n:]
			fr := fuzzFrame(mode, chunk)
			if fr == nil {
				continue
			}
			if fr.Kind == FrameRaw && len(fr.Raw) >= 14 {
				var dst, src wire.MAC
				copy(dst[:], fr.Raw[0:6])
				copy(src[:], fr.Raw[6:12])
				// The switch learns the source on the injector port; a
				// later frame to a learned MAC is filtered there (not sent
				// back out of its ingress port) and reaches nobody.
				var fr2 wire.Frame
				reached := !learned[dst] && dst != src
				if !src.IsGroup() && !src.IsZero() {
					learned[src] = true
				}
				if reached && dec.Decode(fr.Raw, &fr2) != nil {
					raws = append(raws, at)
				}
			} else if fr.Kind == FrameRaw {
				raws = append(raws, at) // a runt: dropped by the segment
			}
			events = append(events, &Event{At: at, Action: Action{Kind: ActInject, Segment: "lan", Frame: fr}})
			at = at.Add(50 * time.Millisecond)
		}
		recs, _ := injectRun(t, "", "", events)
		if len(recs) == 0 || recs[len(recs)-1].At > sim.Time(20*time.Second) {
			t.Fatalf("run did not complete in [0, 20s]")
		}
		for _, when := range raws {
			found := false
			for _, r := range recs {
				if r.Kind == sim.KindDrop && decodeReasons[r.Reason] && r.At >= when && r.At <= when.Add(time.Millisecond) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("raw frame injected at %v was rejected by the decoder but no drop was counted", when)
			}
		}
	})
}

// fuzzFrame turns a chunk of fuzz input into an injected frame: mode 0 the
// bytes as they are, 1 a VRRP advert with fields from the bytes, 2 an ARP
// packet with fields from the bytes.
func fuzzFrame(mode byte, b []byte) *Frame {
	at := func(i int) byte {
		if i < len(b) {
			return b[i]
		}
		return 0
	}
	ip := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, at(i)}) }
	switch mode {
	case 0:
		return &Frame{Kind: FrameRaw, Raw: append([]byte(nil), b...)}
	case 1:
		v := &VRRPFrame{VRID: int(at(0)), Priority: int(at(1)), Src: ip(2), Version: 2 + int(at(3)%2),
			AdvertInt: time.Duration(at(4)) * 10 * time.Millisecond, TTL: int(at(5))}
		if at(3)&2 != 0 {
			v.AuthPass = string(b[min(6, len(b)):min(14, len(b))])
		}
		if at(3)&4 != 0 {
			c := uint16(at(6))<<8 | uint16(at(7))
			v.Checksum = &c
		}
		for i := range int(at(8) % 8) {
			v.Addrs = append(v.Addrs, ip(9+i))
		}
		return &Frame{Kind: FrameVRRP, VRRP: v}
	case 2:
		a := &ARPFrame{Op: "request", SenderIP: ip(1), TargetIP: ip(2)}
		if at(0)%2 == 1 {
			a.Op = "reply"
		}
		a.SenderMAC = [6]byte{0x02, at(3), at(4), at(5), at(6), at(7)}
		if at(0)&2 != 0 {
			a.TargetMAC = [6]byte{0x02, 0, 0, 0, 3, 1} // h1
		}
		return &Frame{Kind: FrameARP, ARP: a}
	}
	panic(fmt.Sprintf("fuzzFrame: mode %d", mode))
}
