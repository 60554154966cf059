//! The reliable-UDP exercise's tests (issue 17): `rdt-send` and `rdt-recv`
//! move a file over UDP through a lossy network, checked against the
//! chapter "Reliable transfer over UDP", the contract. The grader reads the datagram format itself (`proto`), plays
//! either side (`peer`), and puts its seeded lossy proxy (`udp_proxy`)
//! between the student's two programs.

mod alone;
mod ending;
pub mod hidden;
pub mod peer;
pub mod proto;
mod run;
mod transfer;

use std::time::Duration;

use super::lang::Text;
use super::spec::{TestSpec, Visibility};

/// The rules of the contract (one per row of the chapter's contract tables).
pub const RULES: &[&str] = &[
    "rdt.recv.args",
    "rdt.recv.readiness",
    "rdt.format",
    "rdt.recv.acks",
    "rdt.recv.invalid",
    "rdt.recv.sender",
    "rdt.recv.digest",
    "rdt.recv.linger",
    "rdt.recv.out",
    "rdt.send.window",
    "rdt.send.timeout",
    "rdt.send.fast",
    "rdt.send.fin",
    "rdt.send.refused",
];

/// One test, public (`hidden.rs` makes its own hidden).
const fn public(
    id: &'static str,
    points: u32,
    secs: u64,
    rules: &'static [&'static str],
    title: Text,
    hint: Text,
    run: super::spec::TestFn,
) -> TestSpec {
    TestSpec {
        id,
        points,
        timeout: Duration::from_secs(secs),
        visibility: Visibility::Public,
        rules,
        title,
        hint,
        run,
    }
}

pub fn tests() -> Vec<TestSpec> {
    vec![
        public(
            "rdt.recv.ready",
            3,
            10,
            &["rdt.recv.args", "rdt.recv.readiness"],
            Text {
                en: "`rdt-recv --listen 127.0.0.1:0 OUT` prints `listening on <ip>:<port>` with the bound port",
                ko: "`rdt-recv --listen 127.0.0.1:0 OUT`이 바인드한 포트로 `listening on <ip>:<port>`를 출력한다",
            },
            Text {
                en: "Bind with UdpSocket::bind, then print the address local_addr() gives, on stdout.",
                ko: "UdpSocket::bind로 바인드한 뒤 local_addr()가 돌려준 주소를 표준 출력에 출력하세요.",
            },
            |ctx| Box::pin(ready(ctx)),
        ),
        public(
            "rdt.clean",
            10,
            30,
            &["rdt.format", "rdt.send.fin", "rdt.recv.out"],
            Text {
                en: "200 KiB over a clean link arrive byte for byte; both programs exit 0",
                ko: "깨끗한 링크로 보낸 200 KiB가 바이트 그대로 도착하고 두 프로그램이 0으로 끝난다",
            },
            Text {
                en: "Chunk k carries bytes k*1200.. of the file; the receiver writes chunks in order and, on the FIN, checks size and SHA-256, renames OUT.part to OUT and acknowledges with n + 1.",
                ko: "조각 k는 파일의 k*1200번째 바이트부터 담습니다. 수신자는 조각을 순서대로 쓰고, FIN을 받으면 크기와 SHA-256을 확인한 뒤 OUT.part를 OUT으로 바꾸고 n + 1로 확인 응답합니다.",
            },
            |ctx| Box::pin(transfer::clean(ctx)),
        ),
        public(
            "rdt.sizes",
            8,
            40,
            &["rdt.format", "rdt.send.fin", "rdt.recv.out"],
            Text {
                en: "files of 0, 1, 1200 and 1201 bytes arrive exactly",
                ko: "0, 1, 1200, 1201바이트 파일이 정확히 도착한다",
            },
            Text {
                en: "An empty file has no DATA: the FIN (seq 0) comes first. 1200 bytes are one chunk, 1201 two.",
                ko: "빈 파일에는 DATA가 없어서 FIN(seq 0)이 바로 갑니다. 1200바이트는 조각 하나, 1201바이트는 조각 둘입니다.",
            },
            |ctx| Box::pin(transfer::sizes(ctx)),
        ),
        public(
            "rdt.loss",
            10,
            50,
            &["rdt.send.timeout", "rdt.recv.acks"],
            Text {
                en: "300 KiB through a link that loses 10 % of the datagrams each way",
                ko: "양방향으로 데이터그램 10 %를 잃는 링크로 300 KiB를 보낸다",
            },
            Text {
                en: "Re-send the oldest unacknowledged chunk when the retransmission timeout expires, and answer every DATA with an ACK (a lost ACK is made up by the next).",
                ko: "재전송 타임아웃이 지나면 확인 응답을 받지 못한 가장 오래된 조각을 다시 보내고, 모든 DATA에 ACK으로 답하세요(잃어버린 ACK은 다음 ACK이 메웁니다).",
            },
            |ctx| Box::pin(transfer::loss(ctx)),
        ),
        public(
            "rdt.reorder",
            8,
            50,
            &["rdt.recv.acks"],
            Text {
                en: "300 KiB through a link that reorders, duplicates and delays datagrams",
                ko: "데이터그램의 순서를 바꾸고, 복제하고, 늦추는 링크로 300 KiB를 보낸다",
            },
            Text {
                en: "Keep chunks that arrive ahead of a gap (within the window) and write them when the gap fills; a chunk you already have is acknowledged again, not written twice.",
                ko: "빈틈 뒤의 조각이 먼저 오면 윈도 안일 때 보관했다가 빈틈이 메워질 때 쓰세요. 이미 받은 조각은 다시 확인 응답만 하고 두 번 쓰지 마세요.",
            },
            |ctx| Box::pin(transfer::reorder(ctx)),
        ),
        public(
            "rdt.corrupt",
            8,
            50,
            &["rdt.format", "rdt.recv.invalid"],
            Text {
                en: "200 KiB through a link that flips a bit in 5 % of the datagrams",
                ko: "데이터그램 5 %의 비트 하나를 뒤집는 링크로 200 KiB를 보낸다",
            },
            Text {
                en: "Compute the RFC 1071 checksum over the whole datagram with the checksum field zeroed; drop a datagram whose checksum or length field does not match, without answering.",
                ko: "체크섬 필드를 0으로 둔 데이터그램 전체에 대해 RFC 1071 체크섬을 계산하세요. 체크섬이나 길이 필드가 맞지 않는 데이터그램은 답하지 말고 버리세요.",
            },
            |ctx| Box::pin(transfer::corrupt(ctx)),
        ),
        public(
            "rdt.last_ack_lost",
            8,
            30,
            &["rdt.recv.linger", "rdt.send.fin"],
            Text {
                en: "the first three ACKs of the FIN are lost: the sender re-sends its FIN, the lingering receiver answers, both exit 0",
                ko: "FIN의 첫 ACK 세 개를 잃어도 송신자가 FIN을 다시 보내고, 머무르는 수신자가 답해 둘 다 0으로 끝난다",
            },
            Text {
                en: "After acknowledging the FIN, keep answering FINs with ACK n + 1 until 2 s pass quietly; the sender re-sends its FIN on its timeout until that ACK comes.",
                ko: "FIN에 확인 응답한 뒤에도 2초 동안 조용해질 때까지 FIN마다 ACK n + 1로 답하세요. 송신자는 그 ACK이 올 때까지 타임아웃마다 FIN을 다시 보냅니다.",
            },
            |ctx| Box::pin(transfer::last_ack_lost(ctx)),
        ),
        public(
            "rdt.recv.one_by_one",
            8,
            20,
            &["rdt.recv.acks", "rdt.recv.invalid"],
            Text {
                en: "`rdt-recv` answers datagrams sent one by one: cumulative ACKs, buffering, duplicates, a bad checksum ignored",
                ko: "`rdt-recv`가 하나씩 보낸 데이터그램에 누적 ACK으로 답하고, 보관하고, 중복을 처리하고, 틀린 체크섬은 무시한다",
            },
            Text {
                en: "The ACK's seq is the number of the first chunk not yet received (all below it arrived), whatever order they came in.",
                ko: "ACK의 `seq`는 도착 순서와 상관없이 아직 받지 못한 첫 조각의 번호입니다(그보다 작은 조각은 모두 도착했습니다).",
            },
            |ctx| Box::pin(alone::recv_acks(ctx)),
        ),
        public(
            "rdt.send.small_window",
            8,
            40,
            &["rdt.send.window", "rdt.format"],
            Text {
                en: "`rdt-send` keeps within the receiver's advertised window, and every datagram it sends is well formed",
                ko: "`rdt-send`가 수신자가 알린 윈도를 지키고, 보내는 데이터그램이 모두 형식에 맞는다",
            },
            Text {
                en: "Send chunk k only while k < ACK + window, with the window from the latest ACK (64 before the first).",
                ko: "조각 k는 k < ACK + 윈도일 때만 보내세요. 윈도는 가장 최근 ACK의 값입니다(첫 ACK 전에는 64).",
            },
            |ctx| Box::pin(alone::send_window(ctx)),
        ),
        public(
            "rdt.recv.bad_digest",
            5,
            30,
            &["rdt.recv.digest"],
            Text {
                en: "a FIN whose SHA-256 does not match: `rdt-recv` exits 1, acknowledges nothing and leaves no file",
                ko: "SHA-256이 맞지 않는 FIN을 받으면 `rdt-recv`가 확인 응답 없이 1로 끝나고 파일을 남기지 않는다",
            },
            Text {
                en: "Hash the bytes as you write them; on the FIN compare size and digest, and on a mismatch remove OUT.part and exit 1.",
                ko: "쓰는 바이트를 그때그때 해시하세요. FIN을 받으면 크기와 다이제스트를 비교하고, 다르면 OUT.part를 지우고 1로 끝내세요.",
            },
            |ctx| Box::pin(alone::bad_digest(ctx)),
        ),
        public(
            "rdt.send.nobody",
            4,
            15,
            &["rdt.send.refused"],
            Text {
                en: "nothing listens at ADDR: `rdt-send` exits 1 within seconds",
                ko: "ADDR에서 아무도 기다리지 않으면 `rdt-send`가 몇 초 안에 1로 끝난다",
            },
            Text {
                en: "connect() the UDP socket to ADDR: an ICMP port unreachable then comes back as ConnectionRefused on recv() (or send()). Exit 1 with a message then; do not take it for a timeout.",
                ko: "UDP 소켓을 ADDR에 connect()하세요. 그러면 ICMP 포트 도달 불가가 recv()(또는 send())의 ConnectionRefused로 돌아옵니다. 그때는 타임아웃으로 여기지 말고 메시지를 남긴 뒤 1로 끝내세요.",
            },
            |ctx| Box::pin(alone::refused(ctx)),
        ),
        public(
            "rdt.efficiency",
            10,
            120,
            &["rdt.send.fast", "rdt.send.window"],
            Text {
                en: "512 KiB over a 10 % loss link: at least 40 % of the grader's own speed, re-sending little that had arrived",
                ko: "손실률 10 % 링크로 512 KiB를 보낼 때 채점기 자신의 속도의 40 % 이상이고, 이미 도착한 조각은 거의 다시 보내지 않는다",
            },
            Text {
                en: "Keep a window of chunks in flight; on three duplicate ACKs re-send the oldest at once; take the timeout from measured round trips (RFC 6298), not a fixed guess. The receiver matters too: it answers every DATA (duplicates and early chunks as well) and keeps the early ones.",
                ko: "윈도만큼 조각을 보내 두세요. 중복 ACK이 세 번 오면 가장 오래된 조각을 바로 다시 보내고, 타임아웃은 어림값이 아니라 측정한 왕복 시간으로 정하세요(RFC 6298). 수신자도 중요합니다. 모든 DATA(중복과 일찍 온 조각까지)에 ACK으로 답하고, 일찍 온 조각은 보관해야 합니다.",
            },
            |ctx| Box::pin(transfer::efficiency(ctx)),
        ),
    ]
}

async fn ready(ctx: super::spec::Ctx) -> Result<(), super::spec::Failure> {
    run::start_receiver(&ctx).await.map(|_| ())
}
