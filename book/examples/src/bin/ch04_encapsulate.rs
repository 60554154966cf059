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
/// en: What the client program passes to `write` on its connected socket.
/// ko: 클라이언트 프로그램이 연결된 소켓의 `write`에 넘기는 것.
pub const MESSAGE: &[u8] = b"hello\n";

/// en: The client: a documentation address (TEST-NET-1, RFC 5737) and the
/// ephemeral port its kernel picked at `connect`.
/// ko: 클라이언트: 문서용 주소(TEST-NET-1, RFC 5737)와, 커널이 `connect`에서 고른
/// 임시 포트.
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
pub const CLIENT_PORT: u16 = 50000;

/// en: The server: TEST-NET-2 (RFC 5737) and the echo service's port (RFC 862).
/// ko: 서버: TEST-NET-2(RFC 5737)와 에코 서비스의 포트(RFC 862).
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
/// en: The 16-bit one's complement sum of RFC 1071: add the bytes as big-endian
/// 16-bit words (an odd last byte is padded with a zero) and add every carry
/// out of bit 15 back in at bit 0.
/// ko: RFC 1071의 16비트 1의 보수 합: 바이트를 빅 엔디언 16비트 단어로 더하고(마지막
/// 바이트가 홀수 번째면 0을 붙임), 15번 비트를 넘어간 올림은 모두 0번 비트에 다시 더합니다.
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

/// en: The Internet checksum that IPv4, TCP and UDP carry: the one's complement
/// of that sum, computed with the checksum field itself set to zero.
/// ko: IPv4, TCP, UDP가 싣는 인터넷 체크섬: 체크섬 필드 자체를 0으로 두고 계산한 그 합의
/// 1의 보수.
pub fn internet_checksum(bytes: &[u8]) -> u16 {
    !ones_complement_sum(bytes)
}
// ANCHOR_END: checksum

// ANCHOR: tcp
/// en: The pseudo-header of RFC 9293, section 3.1: TCP's checksum also covers the
/// IP addresses, the protocol number and the segment's length, so a segment
/// delivered to the wrong host is caught even though the IP header is not
/// part of the segment.
/// ko: RFC 9293 3.1절의 의사 헤더: TCP의 체크섬은 IP 주소, 프로토콜 번호, 세그먼트 길이도
/// 덮습니다. IP 헤더는 세그먼트에 들어 있지 않지만, 그래서 엉뚱한 호스트에 전달된 세그먼트도
/// 잡아낼 수 있습니다.
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, tcp_len: usize) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[0..4].copy_from_slice(&src.octets());
    p[4..8].copy_from_slice(&dst.octets());
    // en: A zero byte, then the protocol number.
    // ko: 0인 바이트 하나, 그다음 프로토콜 번호.
    p[8] = 0;
    p[9] = PROTO_TCP;
    p[10..12].copy_from_slice(&(tcp_len as u16).to_be_bytes());
    p
}

/// en: Transport layer: a 20-byte TCP header (no options) in front of the data.
/// ko: 전송 계층: 데이터 앞에 붙는 20바이트 TCP 헤더(옵션 없음).
pub fn tcp_segment(data: &[u8]) -> Vec<u8> {
    let mut seg = Vec::with_capacity(TCP_HEADER_LEN + data.len());
    seg.extend_from_slice(&CLIENT_PORT.to_be_bytes());
    seg.extend_from_slice(&SERVER_PORT.to_be_bytes());
    seg.extend_from_slice(&SEQ.to_be_bytes());
    seg.extend_from_slice(&ACK.to_be_bytes());
    // en: Data offset: the header's length in 32-bit words.
    // ko: 데이터 오프셋: 32비트 워드 단위로 센 헤더의 길이.
    seg.push(((TCP_HEADER_LEN / 4) as u8) << 4);
    seg.push(FLAGS_PSH_ACK);
    seg.extend_from_slice(&WINDOW.to_be_bytes());
    // en: The checksum, zero while it is computed; the urgent pointer.
    // ko: 체크섬(계산하는 동안은 0), 그리고 긴급 포인터.
    seg.extend_from_slice(&[0, 0]);
    seg.extend_from_slice(&[0, 0]);
    seg.extend_from_slice(data);

    let mut covered = pseudo_header(CLIENT_IP, SERVER_IP, seg.len()).to_vec();
    covered.extend_from_slice(&seg);
    let sum = internet_checksum(&covered);
    seg[16..18].copy_from_slice(&sum.to_be_bytes());
    seg
}
// ANCHOR_END: tcp

// ANCHOR: ipv4
/// en: Network layer: a 20-byte IPv4 header (no options) in front of the segment.
/// Its checksum covers the header only (RFC 791); the data has its own.
/// ko: 네트워크 계층: 세그먼트 앞에 붙는 20바이트 IPv4 헤더(옵션 없음).
/// 이 체크섬은 헤더만 덮습니다(RFC 791). 데이터에는 데이터의 체크섬이 따로 있습니다.
pub fn ipv4_packet(ttl: u8, segment: &[u8]) -> Vec<u8> {
    let total_len = (IPV4_HEADER_LEN + segment.len()) as u16;
    let mut pkt = Vec::with_capacity(usize::from(total_len));
    // en: Version 4 and IHL (the header's length in 32-bit words); DSCP and ECN.
    // ko: 버전 4와 IHL(32비트 워드 단위로 센 헤더의 길이), 그리고 DSCP와 ECN.
    pkt.push(0x40 | (IPV4_HEADER_LEN / 4) as u8);
    pkt.push(0);
    pkt.extend_from_slice(&total_len.to_be_bytes());
    pkt.extend_from_slice(&IP_ID.to_be_bytes());
    // en: Flags (DF, don't fragment) and fragment offset 0.
    // ko: 플래그(DF, 단편화하지 말 것)와 단편 오프셋 0.
    pkt.extend_from_slice(&IPV4_DF.to_be_bytes());
    pkt.push(ttl);
    pkt.push(PROTO_TCP);
    // en: The header checksum, zero while it is computed.
    // ko: 헤더 체크섬, 계산하는 동안은 0.
    pkt.extend_from_slice(&[0, 0]);
    pkt.extend_from_slice(&CLIENT_IP.octets());
    pkt.extend_from_slice(&SERVER_IP.octets());

    let sum = internet_checksum(&pkt[..IPV4_HEADER_LEN]);
    pkt[10..12].copy_from_slice(&sum.to_be_bytes());
    pkt.extend_from_slice(segment);
    pkt
}
// ANCHOR_END: ipv4

// ANCHOR: ethernet
/// en: Data link layer: an Ethernet II header in front, the frame check sequence
/// behind. The FCS is the CRC-32 of IEEE 802.3 over the whole frame; it is
/// sent least significant byte first. A network card normally computes it in
/// hardware; it detects damaged frames, which are dropped, not repaired.
/// ko: 데이터 링크 계층: 앞에는 이더넷 II 헤더, 뒤에는 프레임 검사 시퀀스(FCS).
/// FCS는 프레임 전체에 대한 IEEE 802.3의 CRC-32이고, 가장 낮은 자리의 바이트부터 보냅니다.
/// 보통 네트워크 카드가 하드웨어로 계산합니다. FCS는 손상된 프레임을 찾아낼 뿐이고, 그런
/// 프레임은 고치지 않고 버립니다.
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

/// The language of the program's words (the bytes are the same): the
/// Korean book shows `ch04_encapsulate --lang ko`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    fn pick(self, en: &'static str, ko: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// How many columns `text` takes in a terminal: Hangul takes two.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{1100}'..='\u{115F}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7A3}' => 2,
            _ => 1,
        })
        .sum()
}

/// `text` padded with spaces to `columns` columns.
fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

/// One annotated line: the bytes, the field's name, its value.
fn row(out: &mut String, bytes: &[u8], field: &str, value: &str) {
    writeln!(out, "  {:<19}{}{}", hex(bytes), pad(field, 24), value).unwrap();
}

/// Sixteen bytes a line, with offsets, as a packet capture tool shows them.
fn dump(out: &mut String, bytes: &[u8]) {
    for (i, line) in bytes.chunks(16).enumerate() {
        writeln!(out, "  {:04x}  {}", i * 16, hex(line)).unwrap();
    }
}

/// Going down the client's stack: each layer and the bytes it adds.
pub fn sender_report(lang: Lang) -> String {
    let t = |en, ko| lang.pick(en, ko);
    let bytes = t(" bytes", "바이트");
    let frame = client_frame();
    let (eth, rest) = frame.split_at(14);
    let (ip_hdr, rest) = rest.split_at(IPV4_HEADER_LEN);
    let (tcp, rest) = rest.split_at(TCP_HEADER_LEN);
    let (data, fcs) = rest.split_at(MESSAGE.len());
    let mut o = String::new();

    writeln!(
        o,
        "{}, {}{bytes}",
        t("Application data", "응용 데이터"),
        data.len()
    )
    .unwrap();
    row(&mut o, data, "\"hello\\n\"", "ASCII");
    writeln!(o).unwrap();

    writeln!(
        o,
        "{} (RFC 9293)",
        t("TCP header, 20 bytes", "TCP 헤더, 20바이트")
    )
    .unwrap();
    let port = |b: &[u8]| be16(b).to_string();
    row(
        &mut o,
        &tcp[0..2],
        t("source port", "출발지 포트"),
        &port(&tcp[0..2]),
    );
    row(
        &mut o,
        &tcp[2..4],
        t("destination port", "목적지 포트"),
        &port(&tcp[2..4]),
    );
    row(
        &mut o,
        &tcp[4..8],
        t("sequence number", "순서 번호"),
        &be32(&tcp[4..8]).to_string(),
    );
    row(
        &mut o,
        &tcp[8..12],
        t("acknowledgment number", "확인 응답 번호"),
        &be32(&tcp[8..12]).to_string(),
    );
    row(
        &mut o,
        &tcp[12..13],
        t("data offset", "데이터 오프셋"),
        t("5 words = 20 bytes", "5워드 = 20바이트"),
    );
    row(&mut o, &tcp[13..14], t("flags", "플래그"), "ACK PSH");
    row(
        &mut o,
        &tcp[14..16],
        t("window", "윈도"),
        &port(&tcp[14..16]),
    );
    row(
        &mut o,
        &tcp[16..18],
        t("checksum", "체크섬"),
        &format!("0x{:04x}", be16(&tcp[16..18])),
    );
    row(
        &mut o,
        &tcp[18..20],
        t("urgent pointer", "긴급 포인터"),
        "0",
    );
    writeln!(
        o,
        "  = {}: 20 + {} = {}{bytes}",
        t("TCP segment", "TCP 세그먼트"),
        data.len(),
        20 + data.len()
    )
    .unwrap();
    writeln!(o).unwrap();

    writeln!(
        o,
        "{} (RFC 791)",
        t("IPv4 header, 20 bytes", "IPv4 헤더, 20바이트")
    )
    .unwrap();
    row(
        &mut o,
        &ip_hdr[0..1],
        t("version, IHL", "버전, IHL"),
        t("4, 5 words = 20 bytes", "4, 5워드 = 20바이트"),
    );
    row(&mut o, &ip_hdr[1..2], "DSCP, ECN", "0, 0");
    row(
        &mut o,
        &ip_hdr[2..4],
        t("total length", "전체 길이"),
        &be16(&ip_hdr[2..4]).to_string(),
    );
    row(
        &mut o,
        &ip_hdr[4..6],
        t("identification", "식별자"),
        &format!("0x{:04x}", be16(&ip_hdr[4..6])),
    );
    row(
        &mut o,
        &ip_hdr[6..8],
        t("flags, fragment offset", "플래그, 단편 오프셋"),
        "DF, 0",
    );
    row(
        &mut o,
        &ip_hdr[8..9],
        t("time to live", "수명(TTL)"),
        &ip_hdr[8].to_string(),
    );
    row(&mut o, &ip_hdr[9..10], t("protocol", "프로토콜"), "6 = TCP");
    row(
        &mut o,
        &ip_hdr[10..12],
        t("header checksum", "헤더 체크섬"),
        &format!("0x{:04x}", be16(&ip_hdr[10..12])),
    );
    row(
        &mut o,
        &ip_hdr[12..16],
        t("source address", "출발지 주소"),
        &ip(&ip_hdr[12..16]).to_string(),
    );
    row(
        &mut o,
        &ip_hdr[16..20],
        t("destination address", "목적지 주소"),
        &ip(&ip_hdr[16..20]).to_string(),
    );
    let pkt_len = IPV4_HEADER_LEN + TCP_HEADER_LEN + data.len();
    writeln!(
        o,
        "  = {}: 20 + {} = {pkt_len}{bytes}",
        t("IPv4 packet", "IPv4 패킷"),
        pkt_len - 20
    )
    .unwrap();
    writeln!(o).unwrap();

    writeln!(
        o,
        "{}",
        t(
            "Ethernet II header, 14 bytes, and trailer, 4 bytes",
            "이더넷 II 헤더 14바이트와 트레일러 4바이트"
        )
    )
    .unwrap();
    row(
        &mut o,
        &eth[0..6],
        t("destination MAC", "목적지 MAC"),
        t("R1, the next hop", "R1, 다음 홉"),
    );
    row(
        &mut o,
        &eth[6..12],
        t("source MAC", "출발지 MAC"),
        t("the client's card", "클라이언트의 카드"),
    );
    row(
        &mut o,
        &eth[12..14],
        t("EtherType", "이더타입"),
        "0x0800 = IPv4",
    );
    let fcs_value = u32::from_le_bytes([fcs[0], fcs[1], fcs[2], fcs[3]]);
    row(&mut o, fcs, "FCS (CRC-32)", &format!("0x{fcs_value:08x}"));
    writeln!(
        o,
        "  = {}: 14 + {pkt_len} + 4 = {}{bytes}",
        t("Ethernet frame", "이더넷 프레임"),
        frame.len()
    )
    .unwrap();
    writeln!(o).unwrap();

    writeln!(o, "{}", t("The frame on the wire", "선 위의 프레임")).unwrap();
    dump(&mut o, &frame);
    o
}

/// What each router does with the frame: check it, strip the link layer,
/// update the IPv4 header, wrap the packet in a new frame for the next link.
/// Returns the report and the frame that reaches the server.
pub fn forward_through_routers(lang: Lang) -> (String, Vec<u8>) {
    let t = |en, ko| lang.pick(en, ko);
    // The layer's name in a column of its own.
    let layer = |name: &str| pad(&format!("{name}:"), 10);
    let (link, network) = (t("link", "링크"), t("network", "네트워크"));
    let more = " ".repeat(10);
    let mut frame = client_frame();
    let mut o = String::new();
    for (i, router) in ROUTERS.iter().enumerate() {
        let next_mac = match ROUTERS.get(i + 1) {
            Some(next) => next.in_mac,
            None => SERVER_MAC,
        };
        let next_name = ROUTERS
            .get(i + 1)
            .map_or(t("server", "서버"), |next| next.name);
        let (body, fcs) = frame.split_at(frame.len() - 4);
        let fcs_ok = crc32(body).to_le_bytes() == fcs;
        let mut packet = body[14..].to_vec();
        let old_sum = be16(&packet[10..12]);
        let header_ok = ones_complement_sum(&packet[..IPV4_HEADER_LEN]) == 0xffff;
        let old_ttl = packet[8];
        // ANCHOR: forward
        // en: The router's network layer: one hop less to live, and the header
        // checksum recomputed because the header changed. A packet whose TTL
        // would reach 0 is dropped and reported with ICMP instead.
        // ko: 라우터의 네트워크 계층: 남은 홉 수가 하나 줄고, 헤더가 바뀌었으므로 헤더 체크섬을
        // 다시 계산합니다. TTL이 0이 될 패킷은 버리고, 대신 ICMP로 알립니다.
        packet[8] -= 1;
        packet[10..12].copy_from_slice(&[0, 0]);
        let new_sum = internet_checksum(&packet[..IPV4_HEADER_LEN]);
        packet[10..12].copy_from_slice(&new_sum.to_be_bytes());
        // en: A new link-layer header for the next link; the TCP segment inside
        // the packet is carried as it is.
        // ko: 다음 링크를 위한 새 링크 계층 헤더. 패킷 안의 TCP 세그먼트는 그대로 실려 갑니다.
        frame = ethernet_frame(next_mac, router.out_mac, &packet);
        // ANCHOR_END: forward

        let name = router.name;
        match lang {
            Lang::En => writeln!(o, "{name} receives a frame for {}", mac(&router.in_mac)),
            Lang::Ko => writeln!(
                o,
                "{name}에 {} 앞으로 온 프레임이 도착함",
                mac(&router.in_mac)
            ),
        }
        .unwrap();
        let fcs = ok(lang, fcs_ok);
        match lang {
            Lang::En => writeln!(o, "  {}FCS {fcs}, strip the Ethernet header", layer(link)),
            Lang::Ko => writeln!(o, "  {}FCS {fcs}, 이더넷 헤더를 떼어 냄", layer(link)),
        }
        .unwrap();
        let header = ok(lang, header_ok);
        let checksum = t("header checksum", "헤더 체크섬");
        writeln!(o, "  {}{checksum} {header}", layer(network)).unwrap();
        match lang {
            Lang::En => writeln!(o, "  {more}destination {SERVER_IP}: forward to {next_name}"),
            Lang::Ko => writeln!(o, "  {more}목적지 {SERVER_IP}: {next_name}로 전달"),
        }
        .unwrap();
        writeln!(o, "  {more}TTL {old_ttl} -> {}", packet[8]).unwrap();
        writeln!(o, "  {more}{checksum} 0x{old_sum:04x} -> 0x{new_sum:04x}").unwrap();
        writeln!(
            o,
            "  {}{} {} -> {}",
            layer(link),
            t("new frame", "새 프레임"),
            mac(&router.out_mac),
            mac(&next_mac)
        )
        .unwrap();
        let untouched = t(
            "TCP segment and data: not looked at, not changed",
            "TCP 세그먼트와 데이터: 보지도 바꾸지도 않음",
        );
        writeln!(o, "  {untouched}").unwrap();
        writeln!(o).unwrap();
    }
    writeln!(
        o,
        "{}",
        t("The frame that reaches the server", "서버에 닿는 프레임")
    )
    .unwrap();
    dump(&mut o, &frame);
    (o, frame)
}

fn ok(lang: Lang, good: bool) -> &'static str {
    match (good, lang) {
        (true, Lang::En) => "ok",
        (true, Lang::Ko) => "정상",
        (false, Lang::En) => "BAD",
        (false, Lang::Ko) => "틀림",
    }
}

/// Going up the server's stack: each layer checks its header, strips it and
/// hands the rest to the layer its header names.
pub fn receiver_report(lang: Lang, frame: &[u8]) -> String {
    let mut o = String::new();
    let (body, fcs) = frame.split_at(frame.len() - 4);
    let (eth, packet) = body.split_at(14);
    let fcs_ok = ok(lang, crc32(body).to_le_bytes() == fcs);
    let this_mac = mac(&eth[0..6]);
    let ethertype = be16(&eth[12..14]);
    let n = packet.len();
    match lang {
        Lang::En => {
            writeln!(o, "Link layer (network card and driver)").unwrap();
            writeln!(o, "  FCS {fcs_ok}; destination {this_mac} is this card").unwrap();
            writeln!(o, "  EtherType 0x{ethertype:04x}: hand {n} bytes to IPv4").unwrap();
        }
        Lang::Ko => {
            writeln!(o, "링크 계층(네트워크 카드와 드라이버)").unwrap();
            writeln!(o, "  FCS {fcs_ok}, 이 카드가 목적지({this_mac})").unwrap();
            writeln!(o, "  이더타입 0x{ethertype:04x}: {n}바이트를 IPv4에 넘김").unwrap();
        }
    }

    let hdr = &packet[..IPV4_HEADER_LEN];
    let total_len = usize::from(be16(&hdr[2..4]));
    let header_ok = ok(lang, ones_complement_sum(hdr) == 0xffff);
    let src = ip(&hdr[12..16]);
    let dst = ip(&hdr[16..20]);
    let (ttl, protocol, n) = (hdr[8], hdr[9], total_len - 20);
    match lang {
        Lang::En => {
            writeln!(o, "Network layer (kernel, IPv4)").unwrap();
            writeln!(
                o,
                "  header checksum {header_ok}; destination {dst} is this host"
            )
            .unwrap();
            writeln!(o, "  TTL {ttl} (two routers on the way)").unwrap();
            writeln!(o, "  protocol {protocol}: hand {n} bytes to TCP").unwrap();
        }
        Lang::Ko => {
            writeln!(o, "네트워크 계층(커널, IPv4)").unwrap();
            writeln!(o, "  헤더 체크섬 {header_ok}, 이 호스트가 목적지({dst})").unwrap();
            writeln!(o, "  TTL {ttl} (오는 길에 라우터 두 대)").unwrap();
            writeln!(o, "  프로토콜 {protocol}: {n}바이트를 TCP에 넘김").unwrap();
        }
    }

    let seg = &packet[IPV4_HEADER_LEN..total_len];
    let mut covered = pseudo_header(src, dst, seg.len()).to_vec();
    covered.extend_from_slice(seg);
    let tcp_ok = ok(lang, ones_complement_sum(&covered) == 0xffff);
    let header_len = usize::from(seg[12] >> 4) * 4;
    let data = &seg[header_len..];
    let (sport, dport, seq) = (be16(&seg[0..2]), be16(&seg[2..4]), be32(&seg[4..8]));
    let text = String::from_utf8_lossy(data).replace('\n', "\\n");
    let n = data.len();
    match lang {
        Lang::En => {
            writeln!(o, "Transport layer (kernel, TCP)").unwrap();
            writeln!(o, "  checksum over pseudo-header + segment {tcp_ok}").unwrap();
            writeln!(o, "  connection {src}:{sport} -> {dst}:{dport}").unwrap();
            writeln!(o, "  sequence {seq} is the next expected byte").unwrap();
            writeln!(o, "  put {n} bytes in the socket's receive buffer").unwrap();
            writeln!(o, "Application (the echo server)").unwrap();
            writeln!(o, "  read() returns {n} bytes: \"{text}\"").unwrap();
        }
        Lang::Ko => {
            writeln!(o, "전송 계층(커널, TCP)").unwrap();
            writeln!(o, "  의사 헤더 + 세그먼트의 체크섬 {tcp_ok}").unwrap();
            writeln!(o, "  연결 {src}:{sport} -> {dst}:{dport}").unwrap();
            writeln!(o, "  순서 번호 {seq}: 다음에 기다리던 바이트").unwrap();
            writeln!(o, "  {n}바이트를 소켓의 수신 버퍼에 넣음").unwrap();
            writeln!(o, "응용(에코 서버)").unwrap();
            writeln!(o, "  read()가 {n}바이트를 돌려줌: \"{text}\"").unwrap();
        }
    }
    o
}

/// `ch04_encapsulate [--lang en|ko]`: the three walks in English (the
/// default) or Korean.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["--lang", "en"] => Lang::En,
        ["--lang", "ko"] => Lang::Ko,
        _ => {
            eprintln!("usage: ch04_encapsulate [--lang en|ko]");
            std::process::exit(2);
        }
    };
    let t = |en, ko| lang.pick(en, ko);
    let (routers, arriving) = forward_through_routers(lang);
    println!(
        "=== {} ===\n",
        t("Client: down the stack", "클라이언트: 스택을 내려가며")
    );
    print!("{}", sender_report(lang));
    println!(
        "\n=== {} ===\n",
        t(
            "Routers: link layer replaced, TTL decremented",
            "라우터: 링크 계층은 바뀌고, TTL은 줄어듦"
        )
    );
    print!("{routers}");
    println!(
        "\n=== {} ===\n",
        t("Server: up the stack", "서버: 스택을 올라가며")
    );
    print!("{}", receiver_report(lang, &arriving));
}
