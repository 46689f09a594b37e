package reports

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/vrrpsim/vrrpsim/sim"
)

// PcapEpoch is the wall-clock instant virtual time zero maps to in pcaps
// when the caller has no better idea: fixed, so the same run gives the same
// file bytes.
var PcapEpoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// pcapSnaplen is the largest frame kept whole; longer ones are truncated
// as a capture would.
const pcapSnaplen = 65535

// pcapMagicNanos marks a classic libpcap file whose timestamps carry
// nanoseconds (pcap-savefile(5)); tcpdump, tshark and Wireshark read it.
const pcapMagicNanos = 0xa1b23c4d

// PcapWriter writes every frame of a run to a nanosecond-resolution pcap
// file, stamped epoch + virtual time. The format is written here directly
// (a 24-byte file header, then a 16-byte header per packet) because
// gopacket's pcapgo pulls in modules this project does not depend on.
type PcapWriter struct {
	w     io.Writer
	epoch time.Time
	buf   []byte
	err   error
}

// NewPcapWriter writes the file header to w and returns a writer whose
// Trace method (a sim.Tracer) appends each KindFrame record.
func NewPcapWriter(w io.Writer, epoch time.Time) (*PcapWriter, error) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], pcapMagicNanos)
	binary.LittleEndian.PutUint16(h[4:], 2) // version 2.4
	binary.LittleEndian.PutUint16(h[6:], 4)
	// h[8:16]: thiszone and sigfigs, always zero.
	binary.LittleEndian.PutUint32(h[16:], pcapSnaplen)
	binary.LittleEndian.PutUint32(h[20:], uint32(layers.LinkTypeEthernet))
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("reports: writing pcap header: %w", err)
	}
	return &PcapWriter{w: w, epoch: epoch, buf: make([]byte, 0, 16+1518)}, nil
}

// Trace writes r if it is a frame. After the first write error it writes
// nothing more; Err reports that error.
func (p *PcapWriter) Trace(r *sim.Record) {
	if r.Kind != sim.KindFrame || p.err != nil {
		return
	}
	ts := p.epoch.Add(time.Duration(r.At))
	data := r.Frame
	if len(data) > pcapSnaplen {
		data = data[:pcapSnaplen]
	}
	b := p.buf[:0]
	b = binary.LittleEndian.AppendUint32(b, uint32(ts.Unix()))
	b = binary.LittleEndian.AppendUint32(b, uint32(ts.Nanosecond()))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Frame)))
	b = append(b, data...)
	p.buf = b[:0]
	// One Write per packet: cheap even on an unbuffered file.
	if _, err := p.w.Write(b); err != nil {
		p.err = fmt.Errorf("reports: writing pcap packet at %s: %w", r.At, err)
	}
}

// Err returns the first write error, if any.
func (p *PcapWriter) Err() error { return p.err }
