//! Chapter 4's worked example (and chapter 5's routers): wrap "hello\n" in a
//! TCP header, an IPv4 header and an Ethernet II frame the way a sending host's
//! kernel and network card do, forward the packet through two routers, then
//! unwrap it layer by layer the way the receiving host does.
//!
//! Run it with `cargo run -p book-examples --bin ch04_encapsulate`.
//! Everything is computed here, std only: no byte in the book is typed by hand.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

// ANCHOR: addresses
/// What the client program passes to `write` on its connected socket.
pub const MESSAGE: &[u8] = b"hello\n";

/// The client: a documentation address (TEST-NET-1, RFC 5737) and the
/// ephemeral port its kernel picked at `connect`.
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
pub const CLIENT_PORT: u16 = 50000;

/// The server: TEST-NET-2 (RFC 5737) and the echo service's port (RFC 862).
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);
pub const SERVER_PORT: u16 = 7;
// ANCHOR_END: addresses

/// MAC addresses from the block reserved for documentation,
/// 00-00-5E-00-53-00 to 00-00-5E-00-53-FF (RFC 9542).
pub const CLIENT_MAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x0a];
pub const SERVER_MAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x07];

/// A router on the path: its name and the MAC addresses of the interface a
/// frame comes in on and the one it leaves by.
pub struct Router {
    pub name: &'static str,
    pub in_mac: [u8; 6],
    pub out_mac: [u8; 6],
}

/// The path of chapter 5: client LAN -> R1 -> R2 -> server LAN.
pub const ROUTERS: [Router; 2] = [
    Router {
        name: "R1",
        in_mac: [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01],
        out_mac: [0x00, 0x00, 0x5e, 0x00, 0x53, 0x11],
    },
    Router {
        name: "R2",
        in_mac: [0x00, 0x00, 0x5e, 0x00, 0x53, 0x12],
        out_mac: [0x00, 0x00, 0x5e, 0x00, 0x53, 0x21],
    },
];

/// Header fields a real kernel would choose: the sequence number of the first
/// byte ('h'), the next byte the client expects from the server, the window,
/// the IPv4 identification, and Linux's default time to live.
const SEQ: u32 = 0x8a3f_1c02;
const ACK: u32 = 0x1d44_9b71;
const WINDOW: u16 = 64240;
const IP_ID: u16 = 0x1c46;
const TTL: u8 = 64;

const TCP_HEADER_LEN: usize = 20;
const IPV4_HEADER_LEN: usize = 20;
const PROTO_TCP: u8 = 6;
const ETHERTYPE_IPV4: u16 = 0x0800;
/// Ethernet's smallest payload: shorter packets are padded with zeros so the
/// frame is at least 64 bytes long with its FCS (IEEE 802.3).
const ETHERNET_MIN_PAYLOAD: usize = 46;
/// TCP flags: PSH (push the data to the application) and ACK (field 2 is valid).
const FLAGS_PSH_ACK: u8 = 0x18;
/// IPv4 flags field: Don't Fragment.
const IPV4_DF: u16 = 0x4000;

// ANCHOR: checksum
/// The 16-bit one's complement sum of RFC 1071: add the bytes as big-endian
/// 16-bit words (an odd last byte is padded with a zero) and add every carry
/// out of bit 15 back in at bit 0.
pub fn ones_complement_sum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in bytes.chunks(2) {
        let low = pair.get(1).copied().unwrap_or(0);
        sum += u32::from(u16::from_be_bytes([pair[0], low]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The Internet checksum that IPv4, TCP and UDP carry: the one's complement
/// of that sum, computed with the checksum field itself set to zero.
pub fn internet_checksum(bytes: &[u8]) -> u16 {
    !ones_complement_sum(bytes)
}
// ANCHOR_END: checksum

// ANCHOR: tcp
/// The pseudo-header of RFC 9293, section 3.1: TCP's checksum also covers the
/// IP addresses, the protocol number and the segment's length, so a segment
/// delivered to the wrong host is caught even though the IP header is not
/// part of the segment.
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, tcp_len: usize) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[0..4].copy_from_slice(&src.octets());
    p[4..8].copy_from_slice(&dst.octets());
    p[8] = 0; // zero
    p[9] = PROTO_TCP;
    p[10..12].copy_from_slice(&(tcp_len as u16).to_be_bytes());
    p
}

/// Transport layer: a 20-byte TCP header (no options) in front of the data.
pub fn tcp_segment(data: &[u8]) -> Vec<u8> {
    let mut seg = Vec::with_capacity(TCP_HEADER_LEN + data.len());
    seg.extend_from_slice(&CLIENT_PORT.to_be_bytes());
    seg.extend_from_slice(&SERVER_PORT.to_be_bytes());
    seg.extend_from_slice(&SEQ.to_be_bytes());
    seg.extend_from_slice(&ACK.to_be_bytes());
    seg.push(((TCP_HEADER_LEN / 4) as u8) << 4); // data offset in 32-bit words
    seg.push(FLAGS_PSH_ACK);
    seg.extend_from_slice(&WINDOW.to_be_bytes());
    seg.extend_from_slice(&[0, 0]); // checksum: zero while it is computed
    seg.extend_from_slice(&[0, 0]); // urgent pointer
    seg.extend_from_slice(data);

    let mut covered = pseudo_header(CLIENT_IP, SERVER_IP, seg.len()).to_vec();
    covered.extend_from_slice(&seg);
    let sum = internet_checksum(&covered);
    seg[16..18].copy_from_slice(&sum.to_be_bytes());
    seg
}
// ANCHOR_END: tcp

// ANCHOR: ipv4
/// Network layer: a 20-byte IPv4 header (no options) in front of the segment.
/// Its checksum covers the header only (RFC 791); the data has its own.
pub fn ipv4_packet(ttl: u8, segment: &[u8]) -> Vec<u8> {
    let total_len = (IPV4_HEADER_LEN + segment.len()) as u16;
    let mut pkt = Vec::with_capacity(usize::from(total_len));
    pkt.push(0x40 | (IPV4_HEADER_LEN / 4) as u8); // version 4, IHL in words
    pkt.push(0); // DSCP and ECN
    pkt.extend_from_slice(&total_len.to_be_bytes());
    pkt.extend_from_slice(&IP_ID.to_be_bytes());
    pkt.extend_from_slice(&IPV4_DF.to_be_bytes()); // flags, fragment offset 0
    pkt.push(ttl);
    pkt.push(PROTO_TCP);
    pkt.extend_from_slice(&[0, 0]); // header checksum: zero while computed
    pkt.extend_from_slice(&CLIENT_IP.octets());
    pkt.extend_from_slice(&SERVER_IP.octets());

    let sum = internet_checksum(&pkt[..IPV4_HEADER_LEN]);
    pkt[10..12].copy_from_slice(&sum.to_be_bytes());
    pkt.extend_from_slice(segment);
    pkt
}
// ANCHOR_END: ipv4

// ANCHOR: ethernet
/// Data link layer: an Ethernet II header in front, the frame check sequence
/// behind. The FCS is the CRC-32 of IEEE 802.3 over the whole frame; it is
/// sent least significant byte first. A network card normally computes it in
/// hardware; it detects damaged frames, which are dropped, not repaired.
pub fn ethernet_frame(dst: [u8; 6], src: [u8; 6], packet: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(14 + ETHERNET_MIN_PAYLOAD + 4);
    frame.extend_from_slice(&dst);
    frame.extend_from_slice(&src);
    frame.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    frame.extend_from_slice(packet);
    if packet.len() < ETHERNET_MIN_PAYLOAD {
        frame.resize(14 + ETHERNET_MIN_PAYLOAD, 0);
    }
    let fcs = crc32(&frame);
    frame.extend_from_slice(&fcs.to_le_bytes());
    frame
}
// ANCHOR_END: ethernet

/// CRC-32 as Ethernet (and zip, and PNG) use it: reflected polynomial
/// 0xEDB88320, initial value and final XOR all ones. Bit by bit: slow, short.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// The frame the client's card puts on the wire: addressed to R1, the
/// client's default router, because the server is on another network.
pub fn client_frame() -> Vec<u8> {
    let segment = tcp_segment(MESSAGE);
    let packet = ipv4_packet(TTL, &segment);
    ethernet_frame(ROUTERS[0].in_mac, CLIENT_MAC, &packet)
}

// ---------------------------------------------------------------------------
// Printing. Each report is a function so the book's test can compare it with
// the chapter text.
// ---------------------------------------------------------------------------

fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(" ")
}

fn mac(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

fn be16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[0], bytes[1]])
}

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn ip(bytes: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])
}

/// One annotated line: the bytes, the field's name, its value.
fn row(out: &mut String, bytes: &[u8], field: &str, value: &str) {
    writeln!(out, "  {:<19}{:<24}{}", hex(bytes), field, value).unwrap();
}

/// Sixteen bytes a line, with offsets, as a packet capture tool shows them.
fn dump(out: &mut String, bytes: &[u8]) {
    for (i, line) in bytes.chunks(16).enumerate() {
        writeln!(out, "  {:04x}  {}", i * 16, hex(line)).unwrap();
    }
}

/// Going down the client's stack: each layer and the bytes it adds.
pub fn sender_report() -> String {
    let frame = client_frame();
    let (eth, rest) = frame.split_at(14);
    let (ip_hdr, rest) = rest.split_at(IPV4_HEADER_LEN);
    let (tcp, rest) = rest.split_at(TCP_HEADER_LEN);
    let (data, fcs) = rest.split_at(MESSAGE.len());
    let mut o = String::new();

    writeln!(o, "Application data, {} bytes", data.len()).unwrap();
    row(&mut o, data, "\"hello\\n\"", "ASCII");
    writeln!(o).unwrap();

    writeln!(o, "TCP header, 20 bytes (RFC 9293)").unwrap();
    row(
        &mut o,
        &tcp[0..2],
        "source port",
        &be16(&tcp[0..2]).to_string(),
    );
    row(
        &mut o,
        &tcp[2..4],
        "destination port",
        &be16(&tcp[2..4]).to_string(),
    );
    row(
        &mut o,
        &tcp[4..8],
        "sequence number",
        &be32(&tcp[4..8]).to_string(),
    );
    row(
        &mut o,
        &tcp[8..12],
        "acknowledgment number",
        &be32(&tcp[8..12]).to_string(),
    );
    row(&mut o, &tcp[12..13], "data offset", "5 words = 20 bytes");
    row(&mut o, &tcp[13..14], "flags", "ACK PSH");
    row(
        &mut o,
        &tcp[14..16],
        "window",
        &be16(&tcp[14..16]).to_string(),
    );
    row(
        &mut o,
        &tcp[16..18],
        "checksum",
        &format!("0x{:04x}", be16(&tcp[16..18])),
    );
    row(&mut o, &tcp[18..20], "urgent pointer", "0");
    writeln!(
        o,
        "  = TCP segment: 20 + {} = {} bytes",
        data.len(),
        20 + data.len()
    )
    .unwrap();
    writeln!(o).unwrap();

    writeln!(o, "IPv4 header, 20 bytes (RFC 791)").unwrap();
    row(
        &mut o,
        &ip_hdr[0..1],
        "version, IHL",
        "4, 5 words = 20 bytes",
    );
    row(&mut o, &ip_hdr[1..2], "DSCP, ECN", "0, 0");
    row(
        &mut o,
        &ip_hdr[2..4],
        "total length",
        &be16(&ip_hdr[2..4]).to_string(),
    );
    row(
        &mut o,
        &ip_hdr[4..6],
        "identification",
        &format!("0x{:04x}", be16(&ip_hdr[4..6])),
    );
    row(&mut o, &ip_hdr[6..8], "flags, fragment offset", "DF, 0");
    row(
        &mut o,
        &ip_hdr[8..9],
        "time to live",
        &ip_hdr[8].to_string(),
    );
    row(&mut o, &ip_hdr[9..10], "protocol", "6 = TCP");
    row(
        &mut o,
        &ip_hdr[10..12],
        "header checksum",
        &format!("0x{:04x}", be16(&ip_hdr[10..12])),
    );
    row(
        &mut o,
        &ip_hdr[12..16],
        "source address",
        &ip(&ip_hdr[12..16]).to_string(),
    );
    row(
        &mut o,
        &ip_hdr[16..20],
        "destination address",
        &ip(&ip_hdr[16..20]).to_string(),
    );
    let pkt_len = IPV4_HEADER_LEN + TCP_HEADER_LEN + data.len();
    writeln!(
        o,
        "  = IPv4 packet: 20 + {} = {pkt_len} bytes",
        pkt_len - 20
    )
    .unwrap();
    writeln!(o).unwrap();

    writeln!(o, "Ethernet II header, 14 bytes, and trailer, 4 bytes").unwrap();
    row(&mut o, &eth[0..6], "destination MAC", "R1, the next hop");
    row(&mut o, &eth[6..12], "source MAC", "the client's card");
    row(&mut o, &eth[12..14], "EtherType", "0x0800 = IPv4");
    let fcs_value = u32::from_le_bytes([fcs[0], fcs[1], fcs[2], fcs[3]]);
    row(&mut o, fcs, "FCS (CRC-32)", &format!("0x{fcs_value:08x}"));
    writeln!(
        o,
        "  = Ethernet frame: 14 + {pkt_len} + 4 = {} bytes",
        frame.len()
    )
    .unwrap();
    writeln!(o).unwrap();

    writeln!(o, "The frame on the wire").unwrap();
    dump(&mut o, &frame);
    o
}

/// What each router does with the frame: check it, strip the link layer,
/// update the IPv4 header, wrap the packet in a new frame for the next link.
/// Returns the report and the frame that reaches the server.
pub fn forward_through_routers() -> (String, Vec<u8>) {
    let mut frame = client_frame();
    let mut o = String::new();
    for (i, router) in ROUTERS.iter().enumerate() {
        let next_mac = match ROUTERS.get(i + 1) {
            Some(next) => next.in_mac,
            None => SERVER_MAC,
        };
        let next_name = ROUTERS.get(i + 1).map_or("server", |next| next.name);
        let (body, fcs) = frame.split_at(frame.len() - 4);
        let fcs_ok = crc32(body).to_le_bytes() == fcs;
        let mut packet = body[14..].to_vec();
        let old_sum = be16(&packet[10..12]);
        let header_ok = ones_complement_sum(&packet[..IPV4_HEADER_LEN]) == 0xffff;
        let old_ttl = packet[8];

        // ANCHOR: forward
        // The router's network layer: one hop less to live, and the header
        // checksum recomputed because the header changed. A packet whose TTL
        // would reach 0 is dropped and reported with ICMP instead.
        packet[8] -= 1;
        packet[10..12].copy_from_slice(&[0, 0]);
        let new_sum = internet_checksum(&packet[..IPV4_HEADER_LEN]);
        packet[10..12].copy_from_slice(&new_sum.to_be_bytes());
        // A new link-layer header for the next link; the TCP segment inside
        // the packet is carried as it is.
        frame = ethernet_frame(next_mac, router.out_mac, &packet);
        // ANCHOR_END: forward

        writeln!(
            o,
            "{} receives a frame for {}",
            router.name,
            mac(&router.in_mac)
        )
        .unwrap();
        writeln!(
            o,
            "  link:     FCS {}, strip the Ethernet header",
            ok(fcs_ok)
        )
        .unwrap();
        writeln!(o, "  network:  header checksum {}", ok(header_ok)).unwrap();
        writeln!(
            o,
            "            destination {SERVER_IP}: forward to {next_name}"
        )
        .unwrap();
        writeln!(o, "            TTL {old_ttl} -> {}", packet[8]).unwrap();
        writeln!(
            o,
            "            header checksum 0x{old_sum:04x} -> 0x{new_sum:04x}"
        )
        .unwrap();
        writeln!(
            o,
            "  link:     new frame {} -> {}",
            mac(&router.out_mac),
            mac(&next_mac)
        )
        .unwrap();
        writeln!(o, "  TCP segment and data: not looked at, not changed").unwrap();
        writeln!(o).unwrap();
    }
    writeln!(o, "The frame that reaches the server").unwrap();
    dump(&mut o, &frame);
    (o, frame)
}

fn ok(good: bool) -> &'static str {
    if good { "ok" } else { "BAD" }
}

/// Going up the server's stack: each layer checks its header, strips it and
/// hands the rest to the layer its header names.
pub fn receiver_report(frame: &[u8]) -> String {
    let mut o = String::new();
    let (body, fcs) = frame.split_at(frame.len() - 4);
    let (eth, packet) = body.split_at(14);
    let fcs_ok = crc32(body).to_le_bytes() == fcs;
    writeln!(o, "Link layer (network card and driver)").unwrap();
    writeln!(
        o,
        "  FCS {}; destination {} is this card",
        ok(fcs_ok),
        mac(&eth[0..6])
    )
    .unwrap();
    let ethertype = be16(&eth[12..14]);
    writeln!(
        o,
        "  EtherType 0x{ethertype:04x}: hand {} bytes to IPv4",
        packet.len()
    )
    .unwrap();

    let hdr = &packet[..IPV4_HEADER_LEN];
    let total_len = usize::from(be16(&hdr[2..4]));
    let header_ok = ones_complement_sum(hdr) == 0xffff;
    let src = ip(&hdr[12..16]);
    let dst = ip(&hdr[16..20]);
    writeln!(o, "Network layer (kernel, IPv4)").unwrap();
    writeln!(
        o,
        "  header checksum {}; destination {dst} is this host",
        ok(header_ok)
    )
    .unwrap();
    writeln!(o, "  TTL {} (two routers on the way)", hdr[8]).unwrap();
    writeln!(
        o,
        "  protocol {}: hand {} bytes to TCP",
        hdr[9],
        total_len - 20
    )
    .unwrap();

    let seg = &packet[IPV4_HEADER_LEN..total_len];
    let mut covered = pseudo_header(src, dst, seg.len()).to_vec();
    covered.extend_from_slice(seg);
    let tcp_ok = ones_complement_sum(&covered) == 0xffff;
    let header_len = usize::from(seg[12] >> 4) * 4;
    let data = &seg[header_len..];
    writeln!(o, "Transport layer (kernel, TCP)").unwrap();
    writeln!(o, "  checksum over pseudo-header + segment {}", ok(tcp_ok)).unwrap();
    writeln!(
        o,
        "  connection {}:{} -> {}:{}",
        src,
        be16(&seg[0..2]),
        dst,
        be16(&seg[2..4])
    )
    .unwrap();
    writeln!(
        o,
        "  sequence {} is the next expected byte",
        be32(&seg[4..8])
    )
    .unwrap();
    writeln!(
        o,
        "  put {} bytes in the socket's receive buffer",
        data.len()
    )
    .unwrap();

    let text = String::from_utf8_lossy(data).replace('\n', "\\n");
    writeln!(o, "Application (the echo server)").unwrap();
    writeln!(o, "  read() returns {} bytes: \"{text}\"", data.len()).unwrap();
    o
}

fn main() {
    let (routers, arriving) = forward_through_routers();
    println!("=== Client: down the stack ===\n");
    print!("{}", sender_report());
    println!("\n=== Routers: link layer replaced, TTL decremented ===\n");
    print!("{routers}");
    println!("\n=== Server: up the stack ===\n");
    print!("{}", receiver_report(&arriving));
}
