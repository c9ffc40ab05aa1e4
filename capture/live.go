package capture

import (
	"errors"
	"time"
)

// LiveOptions configures OpenLive.
type LiveOptions struct {
	// Filter is a tcpdump filter expression. Where it has a classic BPF
	// form (capture/filter's EthernetBPF) it is also attached to the socket,
	// so that the kernel drops what it rejects; Match decides in every case,
	// so a live capture keeps exactly the packets a file would.
	Filter string
	// Snaplen caps the bytes kept of each frame; 0 means 262144.
	Snaplen int
	// Promiscuous puts the interface in promiscuous mode while capturing.
	Promiscuous bool
	// Hold delays each packet: Next returns it no earlier than this long
	// (wall time) after it was captured, so that key-log lines written
	// just after a packet are read before the packet is parsed.
	Hold time.Duration
	// QueuePackets and QueueBytes cap what waits between the socket and
	// Next. With the memory-mapped ring (the default), QueueBytes is the
	// ring's size, in 1 MiB blocks (at least 8), and a full ring drops in
	// the kernel (LiveStats.KernelDrops); with the recvmsg fallback, past
	// either cap packets are dropped and counted in LiveStats.QueueDrops.
	// 0 means 65536 packets and 64 MiB.
	QueuePackets int
	QueueBytes   int
	// NoRing reads the socket with one recvmsg per packet instead of a
	// TPACKET_V3 memory-mapped ring (the fallback where the ring cannot
	// be set up).
	NoRing bool
	// FanoutGroup, from 1 to 65535, joins the socket to that
	// PACKET_FANOUT group of the network namespace (PACKET_FANOUT_HASH
	// with PACKET_FANOUT_FLAG_DEFRAG): the sockets of a group share the
	// interface's packets, each flow (both directions: the kernel's hash
	// is symmetric) going to one of them. 0 joins none.
	FanoutGroup int
	// Tick, when positive, makes Next return ErrNoPacket after this long
	// without a packet, so that the caller can report progress and flush
	// idle connections.
	Tick time.Duration
}

// ErrNoPacket is returned by a live Source's Next when LiveOptions.Tick
// passed without a packet. Calling Next again goes on waiting.
var ErrNoPacket = errors.New("capture: no packet yet")

// ErrLiveUnsupported is returned by OpenLive in builds without live capture.
var ErrLiveUnsupported = errors.New("capture: live capture is available only on Linux (AF_PACKET) in this build")

// LiveStats are the counters of a live capture beyond Stats.
type LiveStats struct {
	// KernelPackets and KernelDrops are the kernel's PACKET_STATISTICS:
	// frames that passed the socket filter, and of those, the ones dropped
	// because the socket buffer was full.
	KernelPackets uint64
	KernelDrops   uint64
	// QueueDrops counts frames dropped because the queue to Next was full.
	QueueDrops uint64
	// Outgoing counts loopback frames skipped as the outgoing copy of a
	// frame that is also seen incoming.
	Outgoing uint64
	// KernelFilter tells whether the filter runs in the kernel too.
	KernelFilter bool
	// FreezeCount is the kernel's tp_freeze_q_cnt (TPACKET_V3): how many
	// times the ring was full, every block waiting on ssldissect, so
	// that arriving packets were dropped (counted in KernelDrops).
	FreezeCount uint64
	// VLANRestored counts frames whose 802.1Q tag the kernel had taken
	// out (VLAN offload) and that were given it back.
	VLANRestored uint64
	// Method is how the socket is read: "tpacket_v3" (the memory-mapped
	// ring) or "recvmsg" (one system call per packet).
	Method string
	// RingError says why the ring could not be set up, when Method is
	// "recvmsg" though the ring was asked for.
	RingError string
	// FanoutGroup is LiveOptions.FanoutGroup.
	FanoutGroup int
	// BadFrames counts ring frames skipped because their header points
	// outside their block (not expected of a kernel).
	BadFrames uint64
}

// Live is a live capture: a Source that also stops and reports the
// kernel's counters.
type Live interface {
	Source
	// Stop ends the capture: Next delivers the packets already captured,
	// then returns io.EOF. It may be called from any goroutine, more than
	// once.
	Stop()
	// LiveStats returns the live counters. It may be called from any
	// goroutine.
	LiveStats() LiveStats
	// LinkType and Snaplen describe the frames, for a capture file.
	LinkType() uint16
	Snaplen() int
}
