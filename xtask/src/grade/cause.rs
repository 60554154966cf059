//! Why a test failed, beyond what the socket showed: the student's program
//! panicked, exited, was killed, or never became ready (a [`Cause`]), and
//! what kind of failure the socket saw (a [`Kind`]). One cause often explains
//! several failed tests: the report (and `watch`) names it once, first, with
//! its own hint, and the tests it explains say "(same cause as above)"; the
//! grouping is [`named_causes`].
//!
//! A [`Probe`] is what the grader can still read about a program after its
//! test dropped (and so killed) it: its stderr, bounded, and its exit status.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::TestResult;
use super::josa::josa;
use super::lang::{Lang, tr};
use super::spec::Failure;
use super::transcript::{LINE_MAX, escape_line, safe};

/// How much of a program's stderr the grader reads: its first and its last
/// half of this (a panic is near the start, or near the end when it ended the program).
const STDERR_LIMIT: u64 = 16 * 1024;

/// What made a student's program fail, found on its stderr and in its exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// `thread '…' panicked at LOCATION:` and the message's first line.
    /// `alive`: the process was still running (a thread died, not the program).
    Panic {
        program: String,
        message: String,
        location: String,
        alive: bool,
    },
    /// The program exited on its own while the test still needed it.
    Exited { program: String, code: i32 },
    /// A signal ended it (not the grader's kill at the end of a test).
    Signal { program: String, signal: i32 },
    /// It wrote more than its output limit and the grader killed it.
    Flooded { program: String, kib: u64 },
    /// A server that never printed its readiness line.
    NotReady { program: String, secs: u64 },
}

impl Cause {
    /// Do two failures have this one cause? Panics at one place are one bug,
    /// whatever data their messages quote.
    pub fn same(&self, other: &Cause) -> bool {
        match (self, other) {
            (
                Cause::Panic {
                    program: a,
                    location: la,
                    ..
                },
                Cause::Panic {
                    program: b,
                    location: lb,
                    ..
                },
            ) => a == b && la == lb,
            _ => self == other,
        }
    }

    /// One line naming the cause; the student's text in it is escaped and cut.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Cause::Panic {
                program,
                message,
                location,
                alive: true,
            } => tr!(
                lang,
                "{program} panicked in a thread at {location}: {quoted} (the process kept running; that connection died)",
                "{program}의 스레드가 {location}에서 패닉했습니다: {quoted} (프로세스는 계속 실행되었고 그 연결만 끊겼습니다)",
                quoted = quote_panic(lang, message)
            ),
            Cause::Panic {
                program,
                message,
                location,
                alive: false,
            } => tr!(
                lang,
                "{program} panicked at {location}: {quoted}",
                "{program_ga} {location}에서 패닉했습니다: {quoted}",
                program_ga = josa(program, "이/가"),
                quoted = quote_panic(lang, message)
            ),
            Cause::Exited { program, code } => tr!(
                lang,
                "{program} exited with code {code} while the test still needed it",
                "테스트가 아직 쓰는 중에 {program_ga} 종료 코드 {code_ro} 끝났습니다",
                program_ga = josa(program, "이/가"),
                code_ro = josa(code, "(으)로")
            ),
            Cause::Signal { program, signal } => tr!(
                lang,
                "{program} was killed by signal {signal}",
                "{program_ga} 시그널 {signal_ro} 종료되었습니다",
                program_ga = josa(program, "이/가"),
                signal_ro = josa(signal, "(으)로")
            ),
            Cause::Flooded { program, kib } => tr!(
                lang,
                "{program} was killed: it wrote over {kib} KiB to stdout and stderr",
                "{program_reul} 강제 종료했습니다. 표준 출력과 표준 오류에 {kib} KiB 넘게 썼습니다",
                program_reul = josa(program, "을/를")
            ),
            Cause::NotReady { program, secs } => tr!(
                lang,
                "{program} did not print `listening on <ip>:<port>` within {secs} s",
                "{program_ga} {secs}초 안에 준비 완료 줄 `listening on <ip>:<port>`를 출력하지 않았습니다",
                program_ga = josa(program, "이/가")
            ),
        }
    }

    /// What to do about it.
    pub fn hint(&self, lang: Lang) -> String {
        let text = match self {
            Cause::Panic { message, .. } if message.starts_with("not yet implemented") => {
                return starter_hint(lang);
            }
            Cause::Panic { alive: true, .. } => lang.pick(
                "Open the file and line above. A panic in a connection's thread ends only that thread: its socket is dropped mid-exchange and the client sees a close or a reset. Handle the error there (eprintln! and end that connection) instead of unwrap()/expect(), and treat the data as bytes, not text.",
                "위에 나온 파일과 줄을 여세요. 연결을 맡은 스레드에서 패닉이 나면 그 스레드만 끝나고, 소켓이 주고받는 도중에 버려져 클라이언트는 연결 닫힘이나 리셋을 봅니다. unwrap()/expect() 대신 그 자리에서 오류를 처리하고(eprintln! 후 그 연결만 끝내기), 데이터는 텍스트가 아니라 바이트로 다루세요.",
            ),
            Cause::Panic { alive: false, .. } => lang.pick(
                "Open the file and line above: the program stopped there, so every later step failed. Handle that Result (match, or ? up to main with an error message) instead of unwrap()/expect().",
                "위에 나온 파일과 줄을 여세요. 프로그램이 거기서 멈췄기 때문에 이후 단계가 모두 실패했습니다. unwrap()/expect() 대신 그 Result를 처리하세요(match, 또는 ?로 main까지 올려 오류 메시지 출력).",
            ),
            Cause::Exited { .. } => lang.pick(
                "A server keeps running: loop over listener.incoming() and, when one client fails, eprintln! the error and accept the next; do not return or exit from the accept loop.",
                "서버는 계속 실행되어야 합니다. listener.incoming()을 반복하고, 한 클라이언트가 실패하면 eprintln!으로 오류를 알린 뒤 다음 연결을 accept하세요. accept 루프에서 return하거나 exit하지 마세요.",
            ),
            Cause::Signal { .. } => lang.pick(
                "A signal ended the program: often a stack overflow (a huge array on the stack; use a Vec) or running out of memory (reading a whole stream into memory; handle it chunk by chunk).",
                "시그널이 프로그램을 끝냈습니다. 흔한 원인은 스택 오버플로(스택의 거대한 배열; Vec을 쓰세요)나 메모리 부족(스트림 전체를 메모리에 읽기; 조각 단위로 처리하세요)입니다.",
            ),
            Cause::Flooded { .. } => lang.pick(
                "Print the readiness line once; send occasional diagnostics to stderr, never one line per read() or per byte.",
                "준비 완료 줄은 한 번만 출력하세요. 진단 메시지는 가끔만 표준 오류로 보내고, read()마다 또는 바이트마다 출력하지 마세요.",
            ),
            Cause::NotReady { .. } => lang.pick(
                "After TcpListener::bind succeeds, print the line with println! (stdout is flushed at each newline) before the accept loop.",
                "TcpListener::bind가 성공하면 accept 루프에 들어가기 전에 println!으로 그 줄을 출력하세요(표준 출력은 줄바꿈마다 비워집니다).",
            ),
        };
        text.to_string()
    }
}

/// A panic's message as a report quotes it. Rust writes `todo!()` and
/// `unimplemented!()` panics with a fixed English prefix (`not yet
/// implemented: …`): a Korean report says it in Korean and quotes the
/// student's own text after it. (The starter is still recognised by the
/// prefix: [`Cause::hint`] reads the message itself.)
pub fn quote_panic(lang: Lang, message: &str) -> String {
    format_panic(lang, message, true)
}

/// [`quote_panic`] without the backticks, for a note in parentheses.
pub fn panic_text(lang: Lang, message: &str) -> String {
    format_panic(lang, message, false)
}

fn format_panic(lang: Lang, message: &str, quoted: bool) -> String {
    let quote = |text: &str| match quoted {
        true => format!("`{text}`"),
        false => text.to_string(),
    };
    if lang == Lang::Ko {
        for (prefix, korean) in [
            ("not yet implemented", "아직 구현하지 않음(todo!)"),
            ("not implemented", "구현하지 않음(unimplemented!)"),
        ] {
            if let Some(rest) = message.strip_prefix(prefix) {
                let rest = rest.trim_start_matches(':').trim_start();
                return match rest.is_empty() {
                    true => korean.to_string(),
                    false => format!("{korean}: {}", quote(rest)),
                };
            }
        }
    }
    quote(message)
}

/// The starter's `todo!()` says what to do first.
pub fn starter_hint(lang: Lang) -> String {
    lang.pick(
        "This is still the starter code: replace the first todo!() in the file named above (read the doc comment above it, and the exercise's README).",
        "아직 시작 코드 그대로입니다. 위에 나온 파일의 첫 todo!()부터 구현하세요(그 위의 문서 주석과 실습의 README를 읽어 보세요).",
    )
    .to_string()
}

/// What the socket saw, when it says what to fix better than the test's
/// generic hint does. Each kind's hint fits every exercise it can appear in:
/// `ClosedEarly` to `TooMuch` are the echo tests'; `Reset`, `TimedOut` and
/// `NoExit` fit any exercise; `Ft…` are file transfer's (frames, STATUS) and
/// `Chat…` the chat's (lines, the room). A test whose very subject is the
/// failure (a client's exit code, a stall a test provokes on purpose) keeps
/// its own hint: it says which fix, where a kind's hint only says what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The peer closed before everything came back.
    ClosedEarly,
    /// The server ended the connection while we were not reading, after
    /// flow control had stopped its writes: its write side gave up.
    StoppedWhileUnread,
    /// Nothing came for a while, and the connection stayed open.
    Stalled,
    /// Everything came back, but no close followed our half-close.
    NoClose,
    /// The connection was reset.
    Reset,
    /// The bytes that came back differ from those sent.
    Differs,
    /// More bytes came back than were sent.
    TooMuch,
    /// The whole test ran out of time.
    TimedOut,
    /// A program the test runs to its end (a client) did not exit in time.
    NoExit,
    /// File transfer: no frame came back, and the connection stayed open.
    FtNoAnswer,
    /// File transfer: the server closed the connection before its answer.
    FtHungUp,
    /// File transfer: a frame from the server breaks the chapter's format.
    FtBadFrame,
    /// Chat: no answer to the client's name, and the connection stayed open.
    ChatNoWelcome,
    /// Chat: the server closed a connection that should have stayed open.
    ChatDropped,
    /// Chat: the server stopped reading a client (our writes stalled).
    ChatNotReading,
    /// Chat: the server kept a connection open that it should have closed.
    ChatLeftOpen,
}

impl Kind {
    pub fn hint(self, lang: Lang) -> &'static str {
        match self {
            Kind::ClosedEarly => lang.pick(
                "The connection closed before everything came back: one read() is not the whole stream. Loop until read() returns 0, write_all() each chunk as it arrives, and close only after that.",
                "모든 데이터가 돌아오기 전에 연결이 닫혔습니다. read() 한 번이 스트림 전체가 아닙니다. read()가 0을 돌려줄 때까지 반복하며 받은 조각마다 write_all()로 보내고, 그다음에 닫으세요.",
            ),
            Kind::StoppedWhileUnread => lang.pick(
                "The server ended the connection while we were not reading, before its echo was all written: look at its write side. A write that waits for a slow reader is flow control, not an error: set no write timeout (set_write_timeout), write each chunk with write_all(), and close only after every write has finished.",
                "우리가 읽지 않는 동안 서버가 에코를 다 쓰기 전에 연결을 끝냈습니다. 쓰기 쪽을 살펴보세요. 느리게 읽는 상대 때문에 쓰기가 기다리는 것은 오류가 아니라 흐름 제어입니다. 쓰기 타임아웃(set_write_timeout)을 두지 말고, 조각마다 write_all()로 쓰고, 모든 쓰기가 끝난 뒤에만 닫으세요.",
            ),
            Kind::Stalled => lang.pick(
                "Nothing came back for seconds while the connection stayed open: the program is blocked, in a read() that waits for more than was sent (read_exact, read_to_end before the peer half-closed) or in a write() nobody reads. Send back what each read() returned right away.",
                "연결은 열려 있는데 몇 초 동안 아무것도 돌아오지 않았습니다. 프로그램이 어딘가에서 막혀 있습니다. 보낸 것보다 많이 기다리는 read()(read_exact, 상대가 절반 닫기 전의 read_to_end)나 아무도 읽지 않는 write()입니다. read()가 돌려준 만큼 바로 돌려보내세요.",
            ),
            Kind::NoClose => lang.pick(
                "Every byte came back, but the connection stayed open after our half-close: when read() returns 0, finish writing and drop the stream (or call shutdown(Shutdown::Write)).",
                "모든 바이트가 돌아왔지만 우리가 절반 닫기를 한 뒤에도 연결이 열려 있었습니다. read()가 0을 돌려주면 남은 쓰기를 마치고 스트림을 drop하세요(또는 shutdown(Shutdown::Write)을 호출하세요).",
            ),
            Kind::Reset => lang.pick(
                "The connection was reset (RST): the other side closed its socket with unread data, or its thread or process died. Read until read() returns 0 before closing, and look at stderr for a panic.",
                "연결이 리셋(RST)되었습니다. 상대가 읽지 않은 데이터를 남긴 채 소켓을 닫았거나, 그 스레드나 프로세스가 죽었습니다. 닫기 전에 read()가 0을 돌려줄 때까지 읽고, 표준 오류에 패닉이 있는지 확인하세요.",
            ),
            Kind::Differs => lang.pick(
                "The bytes differ from those sent: write back exactly buf[..n], the n bytes the last read() returned, as bytes (no String, no lines, no trimming).",
                "돌아온 바이트가 보낸 것과 다릅니다. 마지막 read()가 돌려준 n바이트, 즉 정확히 buf[..n]을 바이트 그대로 돌려보내세요(String, 줄 단위 처리, trim 없이).",
            ),
            Kind::TooMuch => lang.pick(
                "More bytes came back than were sent: write buf[..n], not the whole buffer, and each chunk once.",
                "보낸 것보다 많은 바이트가 돌아왔습니다. 버퍼 전체가 아니라 buf[..n]을, 조각마다 한 번만 보내세요.",
            ),
            Kind::TimedOut => lang.pick(
                "The test ran out of time at the step named above: something there waits forever, such as a read() for data or an EOF that never comes, or a join on a thread that never ends.",
                "테스트가 위에 나온 단계에서 시간을 다 썼습니다. 그곳에서 무언가가 끝없이 기다립니다. 오지 않는 데이터나 EOF를 기다리는 read(), 끝나지 않는 스레드의 join 같은 것입니다.",
            ),
            Kind::NoExit => lang.pick(
                "The program did not exit: it waits for bytes the peer will not send. Usual reasons: a request left in a BufWriter (flush before reading the answer), a read of more than the protocol announces, or a missed end of stream (read() returning 0, read_exact failing with UnexpectedEof). Stop after the answer's last message, and exit.",
                "프로그램이 끝나지 않았습니다. 상대가 보내지 않을 바이트를 기다리고 있습니다. 흔한 이유는 BufWriter에 남은 요청(답을 읽기 전에 flush하세요), 프로토콜이 알린 것보다 많이 읽기, 놓친 스트림의 끝(read()가 0을 돌려줌, read_exact가 UnexpectedEof로 실패함)입니다. 답의 마지막 메시지 뒤에는 읽기를 멈추고 종료하세요.",
            ),
            Kind::FtNoAnswer => lang.pick(
                "The server sent nothing back while the connection stayed open: it is blocked before its write, in a read that waits for more bytes than the request holds (read the 4-byte length, then exactly that many), or with its answer left in a BufWriter (flush after each answer). Every request, an error one too, gets a STATUS.",
                "연결은 열려 있는데 서버가 아무것도 돌려보내지 않았습니다. 쓰기 전에 막혀 있습니다. 요청보다 많은 바이트를 기다리는 read에 있거나(4바이트 길이를 읽고 정확히 그만큼만 읽으세요), 답이 BufWriter에 남아 있습니다(답마다 flush하세요). 모든 요청에는 오류라도 STATUS로 답합니다.",
            ),
            Kind::FtHungUp => lang.pick(
                "The server closed the connection before its answer: the loop serving the connection ended early, through an error returned with ?, a panic (look at stderr), or a return after the first request. Keep reading requests on the same connection until the client closes it, and answer each with a STATUS, an error one too.",
                "서버가 답하기 전에 연결을 닫았습니다. 연결을 처리하는 루프가 일찍 끝났습니다. ?로 돌려준 오류, 패닉(표준 오류를 확인하세요), 또는 첫 요청 뒤의 return 때문입니다. 클라이언트가 닫을 때까지 같은 연결에서 요청을 계속 읽고, 오류라도 요청마다 STATUS로 답하세요.",
            ),
            Kind::FtBadFrame => lang.pick(
                "A frame from the server breaks the chapter's format: 4 bytes of big-endian length counting the kind byte and the payload, then the kind, then the payload. A STATUS payload is the code (1 byte), the value (u64, big-endian), then the message; a GET is answered with STATUS OK and the size, DATA frames carrying exactly that many bytes, then DONE.",
                "서버가 보낸 프레임이 장에 나온 형식과 다릅니다. 종류 바이트와 페이로드를 합한 길이를 빅 엔디언 4바이트로, 그다음 종류, 그다음 페이로드입니다. STATUS 페이로드는 코드(1바이트), 값(u64, 빅 엔디언), 메시지 순서이고, GET에는 크기를 담은 STATUS OK, 정확히 그만큼의 바이트를 나르는 DATA 프레임들, 그리고 DONE으로 답합니다.",
            ),
            Kind::ChatNoWelcome => lang.pick(
                "The server answered nothing to this client's name, and the connection stayed open: nobody is reading that connection yet, or the answer was never written out. accept() in a loop and hand each connection to its own thread or task at once; if you write through a BufWriter, flush after each line.",
                "연결은 열려 있는데 서버가 이 클라이언트의 이름에 아무 답도 하지 않았습니다. 아직 아무도 그 연결을 읽지 않거나, 답을 실제로 내보내지 않았습니다. accept()를 반복하면서 연결마다 곧바로 스레드나 태스크를 따로 맡기고, BufWriter로 쓴다면 줄마다 flush하세요.",
            ),
            Kind::ChatDropped => lang.pick(
                "The server closed this client's connection while the client waited for a line: the thread or task serving it ended, through an error returned with ?, a panic (look at stderr), or the end of its loop. A connection ends only when its client closes or fails, after `! line too long` or a refused name, or at shutdown.",
                "클라이언트가 줄을 기다리는 동안 서버가 그 연결을 닫았습니다. 연결을 맡은 스레드나 태스크가 끝났습니다. ?로 돌려준 오류, 패닉(표준 오류를 확인하세요), 또는 루프의 끝 때문입니다. 연결은 클라이언트가 닫거나 오류가 났을 때, `! line too long`이나 이름 거절 뒤, 또는 서버 종료 때만 끝납니다.",
            ),
            Kind::ChatNotReading => lang.pick(
                "The server stopped reading this client for seconds: the thread or task that reads it is stuck elsewhere, such as in a write() to a client that does not read, or waiting for a lock someone holds across such a write(). Read each client on its own thread or task, and never make it wait for another client.",
                "서버가 몇 초 동안 이 클라이언트를 읽지 않았습니다. 그 클라이언트를 읽는 스레드나 태스크가 다른 곳에 막혀 있습니다. 읽지 않는 클라이언트에게 하는 write()나, 그런 write() 동안 누군가 쥐고 있는 락을 기다리는 경우입니다. 클라이언트마다 스레드나 태스크를 따로 두어 읽고, 다른 클라이언트를 기다리게 하지 마세요.",
            ),
            Kind::ChatLeftOpen => lang.pick(
                "The server kept this connection open where it should close it: after its last line to the client (`! invalid name`, `! name taken`, `! line too long`), and at shutdown. After writing that line, drop every handle to the stream (a clone kept in the room keeps it open), or call shutdown(Shutdown::Both).",
                "서버가 닫아야 할 연결을 열어 두었습니다. 클라이언트에게 보내는 마지막 줄(`! invalid name`, `! name taken`, `! line too long`) 뒤와 서버 종료 때는 닫아야 합니다. 그 줄을 쓴 다음 스트림의 핸들을 모두 drop하거나(방에 남은 clone이 연결을 열어 둡니다) shutdown(Shutdown::Both)을 호출하세요.",
            ),
        }
    }
}

/// The hint a failed test shows: the failure's own (most specific), its
/// cause's, its kind's, else the test's generic one.
pub fn choose_hint(
    lang: Lang,
    own: Option<&String>,
    cause: Option<&Cause>,
    kind: Option<Kind>,
    generic: &str,
) -> String {
    own.cloned()
        .or_else(|| cause.map(|c| c.hint(lang)))
        .or_else(|| kind.map(|k| k.hint(lang).to_string()))
        .unwrap_or_else(|| generic.to_string())
}

/// What the grader can still read about a program once its test is over.
#[derive(Clone)]
pub struct Probe {
    pub program: String,
    pub(super) dir: Arc<tempfile::TempDir>,
    /// Its exit status, as the grader last saw it before killing it.
    pub(super) status: Arc<Mutex<Option<ExitStatus>>>,
    pub(super) flooded: Arc<AtomicBool>,
    pub(super) output_limit: u64,
    /// A server: any exit during its test is a cause (a client's exit code is
    /// what its test checks; only its panic, signal or flood is a cause).
    pub(super) server: Arc<AtomicBool>,
}

impl Probe {
    /// What the program wrote to stderr: all of it up to the bound, else its
    /// first and last halves around a `…` line.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&head_and_tail(
            &self.dir.path().join("stderr"),
            STDERR_LIMIT,
        ))
        .into_owned()
    }

    /// The first panic on stderr, escaped and cut: (message, location).
    pub fn panic(&self) -> Option<(String, String)> {
        parse_panic(&self.stderr_text())
    }

    /// Why the program failed, if its stderr or status says: a panic first
    /// (even one in a thread, the process alive), then its end.
    pub fn cause(&self) -> Option<Cause> {
        let program = self.program.clone();
        let status = *self.status.lock().unwrap();
        if self.flooded.load(Ordering::Relaxed) {
            let kib = self.output_limit / 1024;
            return Some(Cause::Flooded { program, kib });
        }
        if let Some((message, location)) = self.panic() {
            return Some(Cause::Panic {
                program,
                message,
                location,
                alive: status.is_none(),
            });
        }
        let status = status?;
        if let Some(code) = status.code() {
            let server = self.server.load(Ordering::Relaxed);
            return server.then_some(Cause::Exited { program, code });
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(signal) = status.signal() {
                return Some(Cause::Signal { program, signal });
            }
        }
        None
    }
}

/// The first `thread '…' panicked at FILE:LINE:COL:` on `stderr` and the
/// message's first line, both escaped and cut for a report.
pub fn parse_panic(stderr: &str) -> Option<(String, String)> {
    let mut lines = stderr.lines();
    let head = lines.find(|line| line.contains("panicked at"))?;
    let location = head
        .split("panicked at")
        .nth(1)?
        .trim()
        .trim_end_matches(':');
    let message = lines.next().unwrap_or("").trim();
    // The student's text, quoted in reports: escaped and cut.
    Some((
        escape_line(message, LINE_MAX),
        escape_line(location, LINE_MAX),
    ))
}

/// Up to `limit` bytes of the file: all of it, or its first and last halves.
fn head_and_tail(path: &Path, limit: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    let Ok(mut file) = File::open(path) else {
        return bytes;
    };
    let len = file.metadata().map_or(0, |m| m.len());
    if len <= limit {
        let _ = file.take(limit).read_to_end(&mut bytes);
        return bytes;
    }
    let half = limit / 2;
    let _ = (&mut file).take(half).read_to_end(&mut bytes);
    bytes.extend_from_slice("\n…\n".as_bytes());
    if file.seek(SeekFrom::Start(len - half)).is_ok() {
        let mut tail = Vec::new();
        let _ = file.take(half).read_to_end(&mut tail);
        // Start the tail at a line.
        let start = tail.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.extend_from_slice(&tail[start..]);
    }
    bytes
}

/// The causes that explain more than one failure (or a panic, which the
/// report names even once), in the order of their first failure.
pub fn shared<'a>(causes: impl IntoIterator<Item = &'a Cause>) -> Vec<(&'a Cause, usize)> {
    let mut found: Vec<(&Cause, usize)> = Vec::new();
    for cause in causes {
        match found.iter_mut().find(|(c, _)| c.same(cause)) {
            Some((_, n)) => *n += 1,
            None => found.push((cause, 1)),
        }
    }
    found.retain(|(cause, n)| *n > 1 || matches!(cause, Cause::Panic { .. }));
    found
}

/// A cause named once, before the failed tests it explains (in the report
/// and in `watch`): how many it explains, and the hint shown under it.
pub struct Named<'a> {
    pub cause: &'a Cause,
    pub count: usize,
    pub hint: String,
}

/// The causes of these tests' failures that explain more than one of them
/// (or a panic, named even once), in the order of their first failure.
pub fn named_causes<'a>(lang: Lang, tests: &'a [TestResult]) -> Vec<Named<'a>> {
    let causes = shared(
        tests
            .iter()
            .filter_map(|t| t.failure.as_ref()?.cause.as_deref()),
    );
    causes
        .into_iter()
        .map(|(cause, count)| {
            // The hint the first of those tests chose (its own, else the cause's).
            let hint = tests
                .iter()
                .find(|t| {
                    t.failure
                        .as_ref()
                        .and_then(|f| f.cause.as_deref())
                        .is_some_and(|c| c.same(cause))
                })
                .and_then(|t| t.hint.clone())
                .unwrap_or_else(|| cause.hint(lang));
            Named { cause, count, hint }
        })
        .collect()
}

/// The named cause that explains this failure, if any.
pub fn named_for<'n, 'a>(named: &'n [Named<'a>], failure: &Failure) -> Option<&'n Named<'a>> {
    let cause = failure.cause.as_deref()?;
    named.iter().find(|n| n.cause.same(cause))
}

/// A named cause as the report prints it: the cause, what it explains, its hint.
pub fn cause_lines(lang: Lang, named: &Named) -> Vec<String> {
    let count = named.count;
    let explains = match count {
        1 => lang
            .pick(
                "this made the failed test below fail; fix it first",
                "아래 실패한 테스트는 이것 때문에 실패했습니다. 이것부터 고치세요",
            )
            .to_string(),
        _ => tr!(
            lang,
            "this made the {count} failed tests below fail; fix it first",
            "아래 실패한 테스트 {count}개는 이것 때문에 실패했습니다. 이것부터 고치세요"
        ),
    };
    vec![
        format!(
            "  {} {}",
            lang.pick("CAUSE", "원인"),
            safe(&named.cause.describe(lang))
        ),
        format!("        {explains}"),
        format!(
            "        {}: {}",
            lang.pick("hint", "힌트"),
            safe(&named.hint)
        ),
    ]
}

/// "(same cause as above)", under a failure whose cause is named above.
pub fn same_cause(lang: Lang) -> &'static str {
    lang.pick("(same cause as above)", "(위와 같은 원인)")
}

/// What a failure whose cause is named above still says of its own: its
/// step and message, unless the message is the cause's sentence again (a
/// server that never printed its readiness line fails every test with it).
pub fn own_explanation(lang: Lang, failure: &Failure) -> Option<String> {
    if failure
        .cause
        .as_deref()
        .is_some_and(|cause| cause.describe(lang) == failure.message)
    {
        return None;
    }
    Some(format!(
        "{}: {} — {}",
        lang.pick("step", "단계"),
        failure.step.name(lang),
        safe(&failure.message)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_thread_panic_and_cuts_its_message() {
        let stderr = format!(
            "accepted 127.0.0.1:5000\nthread '<unnamed>' panicked at src/echo-server.rs:27:14:\necho expects text: \x1b[2J{}\nnote: run with `RUST_BACKTRACE=1`\n",
            "x".repeat(8 * 1024)
        );
        let (message, location) = parse_panic(&stderr).unwrap();
        assert_eq!(location, "src/echo-server.rs:27:14");
        assert!(message.starts_with("echo expects text: \\u{1b}[2J"));
        assert!(!message.contains('\x1b'));
        assert!(message.chars().count() <= LINE_MAX + 1, "{message}");
        assert!(parse_panic("error: bind: address in use\n").is_none());
    }

    #[test]
    fn panics_at_one_place_are_one_cause() {
        let panic = |message: &str, location: &str| Cause::Panic {
            program: "echo-server".into(),
            message: message.into(),
            location: location.into(),
            alive: true,
        };
        let causes = [
            panic("a", "src/x.rs:1:1"),
            Cause::Exited {
                program: "echo-server".into(),
                code: 0,
            },
            panic("b", "src/x.rs:1:1"),
            panic("c", "src/x.rs:9:9"),
        ];
        let shared = shared(&causes);
        assert_eq!(shared.len(), 2, "{shared:?}");
        assert_eq!(shared[0].1, 2);
        assert_eq!(shared[1].1, 1);
    }

    /// Every kind, listed by a match that stops compiling when one is added.
    fn every_kind() -> Vec<Kind> {
        let all = [
            Kind::ClosedEarly,
            Kind::StoppedWhileUnread,
            Kind::Stalled,
            Kind::NoClose,
            Kind::Reset,
            Kind::Differs,
            Kind::TooMuch,
            Kind::TimedOut,
            Kind::NoExit,
            Kind::FtNoAnswer,
            Kind::FtHungUp,
            Kind::FtBadFrame,
            Kind::ChatNoWelcome,
            Kind::ChatDropped,
            Kind::ChatNotReading,
            Kind::ChatLeftOpen,
        ];
        for kind in all {
            match kind {
                Kind::ClosedEarly
                | Kind::StoppedWhileUnread
                | Kind::Stalled
                | Kind::NoClose
                | Kind::Reset
                | Kind::Differs
                | Kind::TooMuch
                | Kind::TimedOut
                | Kind::NoExit
                | Kind::FtNoAnswer
                | Kind::FtHungUp
                | Kind::FtBadFrame
                | Kind::ChatNoWelcome
                | Kind::ChatDropped
                | Kind::ChatNotReading
                | Kind::ChatLeftOpen => {}
            }
        }
        all.to_vec()
    }

    #[test]
    fn every_kind_has_its_own_hint_in_both_languages() {
        let kinds = every_kind();
        let hangul = |text: &str| text.chars().any(|c| ('가'..='힣').contains(&c));
        for (i, &kind) in kinds.iter().enumerate() {
            let (en, ko) = (kind.hint(Lang::En), kind.hint(Lang::Ko));
            assert!(en.is_ascii() && en.len() > 40, "{kind:?}: {en}");
            // 합니다-체: statements in -니다, requests in -세요.
            let polite = ko.contains("니다") || ko.contains("세요");
            assert!(hangul(ko) && polite && ko.ends_with('.'), "{kind:?}: {ko}");
            for &other in &kinds[i + 1..] {
                assert_ne!(en, other.hint(Lang::En), "{kind:?} and {other:?}");
            }
        }
    }

    /// A hint shown to a chat student speaks of lines, never of frames or
    /// STATUS; one shown to an echo student, of neither rooms nor frames.
    #[test]
    fn a_kinds_hint_speaks_of_its_own_exercise() {
        for kind in every_kind() {
            let name = format!("{kind:?}");
            let text = format!("{} {}", kind.hint(Lang::En), kind.hint(Lang::Ko));
            let frames = ["frame", "STATUS", "DATA", "프레임"]
                .iter()
                .any(|w| text.contains(w));
            let chat = ["room", "`!", "`*"].iter().any(|w| text.contains(w));
            if name.starts_with("Ft") {
                assert!(frames && !chat, "{name}: {text}");
            } else if name.starts_with("Chat") {
                assert!(!frames, "{name}: {text}");
            } else {
                assert!(!frames && !chat, "{name}: {text}");
            }
        }
    }

    #[test]
    fn reads_the_head_and_tail_of_a_long_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stderr");
        let text = format!(
            "first\n{}thread 'main' panicked at src/main.rs:1:1:\nlast\n",
            "noise\n".repeat(10_000)
        );
        std::fs::write(&path, text).unwrap();
        let read = String::from_utf8(head_and_tail(&path, 1024)).unwrap();
        assert!(read.len() <= 1024 + 8);
        assert!(read.starts_with("first\n"));
        assert!(read.ends_with("panicked at src/main.rs:1:1:\nlast\n"));
    }
}
