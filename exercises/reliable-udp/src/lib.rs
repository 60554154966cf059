//! en:
//! # Exercise 4 · Reliable transfer over UDP: the protocol
//!
//! UDP delivers datagrams, not a stream: each one arrives whole or not at
//! all, maybe twice, maybe out of order, maybe corrupted. Everything TCP would
//! do for us is yours to do: numbering (`wire.rs`), detecting corruption
//! (`checksum.rs`), and deciding when a datagram is lost (`rto.rs`). Both
//! programs use this library (`use reliable_udp::…`).
//!
//! Given: the constants and the helpers in this file, the types. Yours: the
//! `todo!()`s in `checksum.rs`, `wire.rs` and `rto.rs` (their unit tests
//! pass once you are done: `cargo test -p reliable-udp --lib`), then
//! `src/bin/rdt-recv.rs`, then `src/bin/rdt-send.rs`. The chapter "Reliable
//! transfer over UDP" of the book has the exact rules; grade with
//! `cargo xtask grade reliable-udp`.
//!
//! ko:
//! # 실습 4 · UDP 위의 신뢰성 있는 전송: 프로토콜
//!
//! UDP는 스트림이 아니라 데이터그램(datagram)을 전달합니다. 데이터그램은 통째로 도착하거나
//! 아예 도착하지 않고, 두 번 올 수도, 순서가 바뀔 수도, 깨져서 올 수도 있습니다. TCP가 해
//! 주던 일은 모두 여러분 몫입니다. 번호 붙이기(`wire.rs`), 깨진 것 찾아내기(`checksum.rs`),
//! 데이터그램이 사라졌다고 판단하기(`rto.rs`)입니다. 두 프로그램 모두 이 라이브러리를
//! 씁니다(`use reliable_udp::…`).
//!
//! 주어진 것: 이 파일의 상수와 도우미 함수, 타입. 여러분이 할 것: `checksum.rs`, `wire.rs`,
//! `rto.rs`의 `todo!()`(다 채우면 단위 테스트가 통과합니다:
//! `cargo test -p reliable-udp --lib`), 그다음 `src/bin/rdt-recv.rs`, 그다음
//! `src/bin/rdt-send.rs`입니다. 정확한 규칙은 책의 'UDP 위의 신뢰성 있는 전송' 장에 있습니다.
//! 채점은 `cargo xtask grade reliable-udp`로 합니다.

use std::io;
use std::time::Duration;

pub mod checksum;
pub mod rto;
pub mod wire;

/// en: Bytes of file content in one DATA datagram. With the 12-byte header the
/// largest datagram is 1212 bytes, which fits in IPv6's minimum MTU of 1280
/// bytes after the 40-byte IPv6 and 8-byte UDP headers: no link has to
/// fragment it.
///
/// ko: DATA 데이터그램 하나에 담는 파일 내용의 바이트 수입니다. 12바이트 헤더를 더하면 가장 큰
/// 데이터그램은 1212바이트이고, 40바이트 IPv6 헤더와 8바이트 UDP 헤더를 붙여도 IPv6의 최소
/// MTU인 1280바이트에 들어갑니다. 어느 링크에서도 단편화(fragmentation)되지 않습니다.
pub const CHUNK: usize = 1200;

/// en: Size of the header before every payload.
/// ko: 모든 페이로드 앞에 붙는 헤더의 크기입니다.
pub const HEADER_LEN: usize = 12;

/// en: The largest valid datagram: header plus one full chunk.
/// ko: 올바른 데이터그램의 최대 크기: 헤더와 꽉 찬 조각 하나입니다.
pub const MAX_DATAGRAM: usize = HEADER_LEN + CHUNK;

/// en: Size of the buffer to receive into: one byte more than any valid
/// datagram. `recv` copies at most the buffer's size and drops the rest of a
/// longer datagram; a datagram that fills the buffer was too long.
///
/// ko: 받을 때 쓰는 버퍼의 크기: 어떤 올바른 데이터그램보다 한 바이트 큽니다. `recv`는 버퍼
/// 크기만큼만 복사하고 더 긴 데이터그램의 나머지는 버립니다. 버퍼를 가득 채운 데이터그램은 너무
/// 길었던 것입니다.
pub const RECV_BUF: usize = MAX_DATAGRAM + 1;

/// en: How many DATA datagrams may be in flight beyond the cumulative ACK: the
/// sender's own limit, and the window the receiver advertises.
/// ko: 누적 확인 응답(ACK) 너머로 한꺼번에 보내 놓을 수 있는 DATA 데이터그램의 수입니다.
/// 송신자 자신의 한도이자 수신자가 알리는 윈도(window)입니다.
pub const WINDOW: u16 = 64;

/// en: Either side gives up when no valid datagram has come for this long.
/// ko: 올바른 데이터그램이 이 시간 동안 오지 않으면 어느 쪽이든 포기합니다.
pub const GIVE_UP: Duration = Duration::from_secs(10);

/// en: How long the receiver keeps answering re-sent FINs after acknowledging one.
/// ko: 수신자가 FIN에 확인 응답을 보낸 뒤, 다시 오는 FIN에 계속 답하는 시간입니다.
pub const LINGER: Duration = Duration::from_secs(2);

/// en: How many DATA datagrams carry a file of `size` bytes.
/// ko: `size`바이트짜리 파일을 나르는 DATA 데이터그램의 수입니다.
pub fn chunk_count(size: u64) -> u64 {
    size.div_ceil(CHUNK as u64)
}

/// en: Is this error from `recv` only "the read timeout passed"? Unix says
/// `WouldBlock` (EAGAIN), Windows says `TimedOut`: both mean "nothing came".
/// ko: `recv`의 이 오류가 "읽기 타임아웃이 지났다"는 뜻일 뿐인가요? Unix는 `WouldBlock`
/// (EAGAIN), Windows는 `TimedOut`이라고 말합니다. 둘 다 "아무것도 오지 않았다"입니다.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// en: Is this error the trace of an ICMP "port unreachable"? After `connect`,
/// the next `recv` (or `send`) fails with `ConnectionRefused` (Windows:
/// `ConnectionReset`): nothing listens at the peer's port.
/// ko: 이 오류가 ICMP 포트 도달 불가(port unreachable)의 흔적인가요? `connect` 뒤에는 다음
/// `recv`(또는 `send`)가 `ConnectionRefused`(Windows는 `ConnectionReset`)로 실패합니다.
/// 상대의 포트에서 아무도 기다리지 않는다는 뜻입니다.
pub fn is_refused(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
    )
}

/// en: Lowercase hexadecimal (base 16), for digests in messages.
/// ko: 메시지에 다이제스트(digest)를 적을 때 쓰는 소문자 16진수입니다.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
