package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// syncHex is one version-1 message with one ESTABLISHED TCP entry of a
// DR service, laid out field by field as struct ip_vs_sync_mesg and
// struct ip_vs_sync_v4 (ip_vs_sync.c): syncid 7, size 44, 1 conn,
// version 1; type 0, TCP, size 36, flags DROUTE|NOOUTPUT (0x83), state 1,
// ports 40000 > 80 -> 80, fwmark 0, timeout 900 s, 192.168.1.10,
// 10.0.0.100, 10.0.0.11.
const syncHex = "0007002c" + "01010000" +
	"00060024" + "00000083" + "0001" + "9c40" + "0050" + "0050" + "00000000" + "00000384" +
	"c0a8010a" + "0a000064" + "0a00000b"

var syncMsg = IPVSSync{SyncID: 7, Conns: []IPVSSyncConn{{
	Protocol: ProtoTCP, Flags: IPVSConnDRoute | IPVSConnNoOutput, State: 1,
	Client:  netip.MustParseAddrPort("192.168.1.10:40000"),
	Virtual: netip.MustParseAddrPort("10.0.0.100:80"),
	Dest:    netip.MustParseAddrPort("10.0.0.11:80"),
	Timeout: 900,
}}}

// TestIPVSSyncByteExact: the encoder lays the fields out where
// ip_vs_sync_conn puts them, and the hashed flag never leaves the master
// (s->v4.flags = htonl(cp->flags & ~IP_VS_CONN_F_HASHED)).
func TestIPVSSyncByteExact(t *testing.T) {
	m := syncMsg
	m.Conns = []IPVSSyncConn{m.Conns[0]}
	m.Conns[0].Flags |= IPVSConnHashed
	got, err := AppendIPVSSync(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustHex(t, syncHex); !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
	var back IPVSSync
	if err := ParseIPVSSync(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, syncMsg) {
		t.Fatalf("got %+v, want %+v", back, syncMsg)
	}
}

// TestParseIPVSSyncRefuses follows ip_vs_process_message and
// ip_vs_proc_sync_conn: each malformed message is dropped whole.
func TestParseIPVSSyncRefuses(t *testing.T) {
	good := mustHex(t, syncHex)
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		b    []byte
		want error
		sub  string
	}{
		{"header too short", good[:3], ErrTruncated, "header"},
		{"size field differs from datagram", good[:40], ErrBadLength, "size field 44"},
		{"version 0 message", mod(func(b []byte) []byte { b[5] = 0; return b }), ErrBadVersion, "version-1"},
		{"reserved octet set", mod(func(b []byte) []byte { b[0] = 1; return b }), ErrBadVersion, "version-1"},
		{"spare set", mod(func(b []byte) []byte { b[7] = 1; return b }), ErrBadVersion, "version-1"},
		{"count past the end", mod(func(b []byte) []byte { b[4] = 2; return b }), ErrTruncated, "conn 1"},
		{"conn size past the end", mod(func(b []byte) []byte { b[11] = 0x30; return b }), ErrBadLength, "past the message"},
		{"conn version bits", mod(func(b []byte) []byte { b[10] = 0x10; return b }), ErrBadVersion, "version 1"},
		{"IPv6 entry shorter than struct ip_vs_sync_v6", mod(func(b []byte) []byte { b[8] = 1; return b }), ErrBadLength, "size 36 below 72"},
		{"unknown entry type", mod(func(b []byte) []byte { b[8] = 2; return b }), ErrBadType, "type 2"},
		{"option without length", mod(func(b []byte) []byte {
			b = append(b, 1, 0, 0, 0)
			b[3] = 48
			b[11] = 40
			return b
		}), ErrBadLength, "option 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m IPVSSync
			err := ParseIPVSSync(tc.b, &m)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.sub) {
				t.Fatalf("got %v, want %v containing %q", err, tc.want, tc.sub)
			}
		})
	}
}

// TestParseIPVSSyncSkipsOptions: a well-formed option is stepped over and
// the next entry starts at the 32-bit boundary after it.
func TestParseIPVSSyncSkipsOptions(t *testing.T) {
	one := mustHex(t, syncHex)
	conn := one[IPVSSyncHeaderLen:]
	b := append([]byte{}, one[:IPVSSyncHeaderLen]...)
	withOpt := append(bytes.Clone(conn), 3, 2, 'x', 'y') // PE_NAME, 4 octets: size 40
	withOpt[3] = 40
	b = append(b, withOpt...)
	b = append(b, conn...)
	b[4] = 2
	b[3] = byte(len(b))
	var m IPVSSync
	if err := ParseIPVSSync(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Conns) != 2 || m.Conns[1] != syncMsg.Conns[0] {
		t.Fatalf("got %+v", m.Conns)
	}
}

// TestParseIPVSSyncStepsOverIPv6AndKeepsWhatCameBefore: an IPv6 entry is
// stepped over (counted); after a bad entry the ones before it stay, as
// the kernel has applied them (ip_vs_process_message).
func TestParseIPVSSyncStepsOverIPv6AndKeepsWhatCameBefore(t *testing.T) {
	one := mustHex(t, syncHex)
	conn := one[IPVSSyncHeaderLen:]
	v6 := make([]byte, 72)
	v6[0], v6[1], v6[3] = 1, ProtoTCP, 72
	b := append(append(append(bytes.Clone(one[:IPVSSyncHeaderLen]), v6...), conn...), conn[:20]...)
	b[4], b[3] = 3, byte(len(b))
	var m IPVSSync
	err := ParseIPVSSync(b, &m)
	if !errors.Is(err, ErrTruncated) || m.IPv6 != 1 || len(m.Conns) != 1 || m.Conns[0] != syncMsg.Conns[0] {
		t.Fatalf("got %v, %d IPv6, conns %+v; want truncated after one IPv4 entry", err, m.IPv6, m.Conns)
	}
}

func TestAppendIPVSSyncRefusesIPv6(t *testing.T) {
	m := IPVSSync{Conns: []IPVSSyncConn{{Client: netip.MustParseAddrPort("[::1]:1"), Virtual: syncMsg.Conns[0].Virtual, Dest: syncMsg.Conns[0].Dest}}}
	if _, err := AppendIPVSSync(nil, &m); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported", err)
	}
}

// FuzzParseIPVSSync: any bytes parse to a sentinel error or a message
// that encodes to a message parsing to the same entries.
func FuzzParseIPVSSync(f *testing.F) {
	f.Add(mustHex(f, syncHex))
	f.Add([]byte{0, 0, 0, 8, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m IPVSSync
		if err := ParseIPVSSync(b, &m); err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			if len(b) >= IPVSSyncHeaderLen && len(m.Conns) > int(b[4]) {
				t.Fatalf("%d entries kept, the count is %d", len(m.Conns), b[4])
			}
			return
		}
		out, err := AppendIPVSSync(nil, &m)
		if err != nil {
			t.Fatal(err)
		}
		var back IPVSSync
		if err := ParseIPVSSync(out, &back); err != nil || back.IPv6 != 0 {
			t.Fatal(err)
		}
		for i := range m.Conns {
			m.Conns[i].Flags &^= IPVSConnHashed
		}
		if !reflect.DeepEqual(back.Conns, m.Conns) && len(m.Conns)+len(back.Conns) > 0 {
			t.Fatalf("round trip: got %+v, want %+v", back.Conns, m.Conns)
		}
	})
}

func BenchmarkAppendIPVSSync(b *testing.B) {
	m := IPVSSync{Conns: make([]IPVSSyncConn, 40)}
	for i := range m.Conns {
		m.Conns[i] = syncMsg.Conns[0]
	}
	buf := make([]byte, 0, 1500)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendIPVSSync(buf[:0], &m)
	}
}

func BenchmarkParseIPVSSync(b *testing.B) {
	m := IPVSSync{Conns: make([]IPVSSyncConn, 40)}
	for i := range m.Conns {
		m.Conns[i] = syncMsg.Conns[0]
	}
	buf, _ := AppendIPVSSync(nil, &m)
	var out IPVSSync
	b.ReportAllocs()
	for b.Loop() {
		_ = ParseIPVSSync(buf, &out)
	}
}
