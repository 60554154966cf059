//! The grader's chat client: one connection to the student's `chat-server`,
//! reading lines with deadlines and remembering the last few for the report.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::grade::cause::Kind;
use crate::grade::josa::{josa, josa_code};
use crate::grade::lang::{Lang, Step, tr};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript::escape;
use crate::grade::wire::{STALL, connect, is_reset};

/// A line the server sends is short; a server that sends this much without a
/// newline is broken (or flooding), and the grader stops reading.
const MAX_SERVER_LINE: u64 = 64 * 1024;
/// How many received lines a failure quotes.
const TRANSCRIPT_LINES: usize = 6;

/// What the next read gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Line(String),
    /// The server closed the connection (EOF).
    Closed,
    /// The server reset the connection (`reset`), or reading failed.
    Broken {
        error: String,
        reset: bool,
    },
    /// Nothing arrived in time.
    Silent,
}

pub struct Client {
    /// The name this client joined with ("" before it joined).
    pub name: String,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    /// The last lines received, for the report.
    recent: VecDeque<String>,
    /// A line begun but not finished when a read timed out: `read_until`
    /// appends to it, so waiting again loses nothing.
    partial: Vec<u8>,
}

impl Client {
    /// Connects without joining: the server expects a name line next.
    pub async fn connect(ctx: &Ctx, addr: SocketAddr) -> Result<Client, Failure> {
        let stream = connect(ctx, addr).await?;
        Ok(Client::from_stream(stream))
    }

    pub fn from_stream(stream: TcpStream) -> Client {
        let (reader, writer) = stream.into_split();
        Client {
            name: String::new(),
            reader: BufReader::new(reader),
            writer,
            recent: VecDeque::new(),
            partial: Vec::new(),
        }
    }

    /// Connects, sends `name`, and waits for `* welcome <name>` as the first line.
    pub async fn join(ctx: &Ctx, addr: SocketAddr, name: &str) -> Result<Client, Failure> {
        let mut client = Client::connect(ctx, addr).await?;
        client.send(ctx, name).await?;
        client.welcome(ctx, name).await?;
        Ok(client)
    }

    /// Waits for `* welcome <name>` as the first line after the name was sent.
    pub async fn welcome(&mut self, ctx: &Ctx, name: &str) -> Result<(), Failure> {
        let lang = ctx.lang;
        let want = format!("* welcome {name}");
        match self.next(ctx, STALL).await {
            Next::Line(line) if line == want => {
                self.name = name.to_string();
                Ok(())
            }
            Next::Line(line) => Err(self.fail(
                Step::Read,
                tr!(
                    lang,
                    "after sending the name `{name}`, the first line was `{got}` instead of `{want}`",
                    "이름 {name_reul} 보낸 뒤 첫 줄이 {want_ga} 아니라 {got_yeot}습니다",
                    got = escape(line.as_bytes(), 80),
                    got_yeot = josa_code(&escape(line.as_bytes(), 80), "이었/였"),
                    name_reul = josa_code(name, "을/를"),
                    want_ga = josa_code(&want, "이/가")
                ),
            )),
            other => {
                // Silence here: nobody serves the connection (a kind of its
                // own); a close or a reset, as for any line.
                let kind = match other {
                    Next::Silent => Some(Kind::ChatNoWelcome),
                    _ => kind_of(&other),
                };
                Err(self
                    .fail(
                        Step::Read,
                        tr!(
                            lang,
                            "after sending the name `{name}`, no `{want}`: {why}",
                            "이름 {name_reul} 보낸 뒤 {want_ga} 오지 않았습니다: {why}",
                            why = describe(lang, &other, STALL),
                            name_reul = josa_code(name, "을/를"),
                            want_ga = josa_code(&want, "이/가")
                        ),
                    )
                    .with_kind(kind))
            }
        }
    }

    /// Sends `line` and a newline.
    pub async fn send(&mut self, ctx: &Ctx, line: &str) -> Result<(), Failure> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.send_raw(ctx, &bytes).await
    }

    /// Sends bytes as they are (several lines at once, or part of one).
    pub async fn send_raw(&mut self, ctx: &Ctx, bytes: &[u8]) -> Result<(), Failure> {
        let lang = ctx.lang;
        match tokio::time::timeout(STALL, self.writer.write_all(bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(self
                .fail(
                    Step::Write,
                    tr!(
                        lang,
                        "{who} could not send: {err} (did the server close the connection?)",
                        "{who_ga} 보내지 못했습니다: {err} (서버가 연결을 닫았나요?)",
                        who = self.who(lang),
                        who_ga = josa(&self.who(lang), "이/가")
                    ),
                )
                .with_kind(is_reset(&err).then_some(Kind::Reset))),
            Err(_) => Err(self
                .fail(
                    Step::Write,
                    tr!(
                        lang,
                        "{who} could not send for {secs} s: the server stopped reading this connection",
                        "{who_ga} {secs}초 동안 보내지 못했습니다. 서버가 이 연결을 읽지 않고 있습니다",
                        who = self.who(lang),
                        who_ga = josa(&self.who(lang), "이/가"),
                        secs = STALL.as_secs()
                    ),
                )
                .with_kind(Kind::ChatNotReading)),
        }
    }

    /// The writing half, for a test that writes on its own schedule.
    pub fn writer(&mut self) -> &mut OwnedWriteHalf {
        &mut self.writer
    }

    /// Closes our side for good (FIN), as a client that quits does.
    pub async fn close(mut self) {
        let _ = self.writer.shutdown().await;
    }

    /// Aborts the connection with a reset (RST), as a crashed client's kernel does.
    pub fn reset(self) {
        if let Ok(stream) = self.reader.into_inner().reunite(self.writer) {
            crate::grade::wire::reset(stream);
        }
    }

    /// The very next line must be `want` (nothing skipped).
    pub async fn expect_next(
        &mut self,
        ctx: &Ctx,
        want: &str,
        within: Duration,
    ) -> Result<(), Failure> {
        let lang = ctx.lang;
        match self.next(ctx, within).await {
            Next::Line(line) if line == want => Ok(()),
            Next::Line(line) => Err(self.unexpected(lang, &line, want)),
            other => Err(self.no_line(lang, want, &other, within)),
        }
    }

    /// The next line (without its `\n`), waiting at most `within`.
    pub async fn next(&mut self, ctx: &Ctx, within: Duration) -> Next {
        ctx.at(Step::Read);
        let room = MAX_SERVER_LINE.saturating_sub(self.partial.len() as u64);
        let mut limited = (&mut self.reader).take(room);
        let read = limited.read_until(b'\n', &mut self.partial);
        let outcome = tokio::time::timeout(within, read).await;
        let mut bytes = match outcome {
            Ok(Ok(_)) => std::mem::take(&mut self.partial),
            _ => Vec::new(),
        };
        let next = match outcome {
            Err(_) => Next::Silent,
            Ok(Err(err)) => Next::Broken {
                error: err.to_string(),
                reset: is_reset(&err),
            },
            Ok(Ok(0)) if bytes.is_empty() => Next::Closed,
            Ok(Ok(_)) if bytes.last() != Some(&b'\n') && bytes.len() as u64 >= MAX_SERVER_LINE => {
                Next::Broken {
                    error: tr!(
                        ctx.lang,
                        "over {} KiB without a newline",
                        "줄바꿈 없이 {} KiB 넘게 받음",
                        MAX_SERVER_LINE / 1024
                    ),
                    reset: false,
                }
            }
            // A last line without its newline, then EOF: report it as a line;
            // the next read says Closed.
            Ok(Ok(_)) => {
                if bytes.last() == Some(&b'\n') {
                    bytes.pop();
                }
                Next::Line(String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        if let Next::Line(line) = &next {
            if self.recent.len() == TRANSCRIPT_LINES {
                self.recent.pop_front();
            }
            self.recent.push_back(line.clone());
        }
        next
    }

    /// Reads until `want` arrives, skipping other clients' `* … joined` and
    /// `* … left` lines. Any other line is a failure: a line of our own coming
    /// back, or one we did not expect here.
    pub async fn expect(&mut self, ctx: &Ctx, want: &str, within: Duration) -> Result<(), Failure> {
        self.expect_any(ctx, &[want], within).await.map(|_| ())
    }

    /// Like `expect`, for any of `wants`; returns the line that came.
    pub async fn expect_any(
        &mut self,
        ctx: &Ctx,
        wants: &[&str],
        within: Duration,
    ) -> Result<String, Failure> {
        let lang = ctx.lang;
        let deadline = tokio::time::Instant::now() + within;
        let want = wants.join("` / `");
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(ctx, left).await {
                Next::Line(line) if wants.contains(&line.as_str()) => return Ok(line),
                Next::Line(line) if is_notice(&line) => continue,
                Next::Line(line) => return Err(self.unexpected(lang, &line, &want)),
                other => return Err(self.no_line(lang, &want, &other, within)),
            }
        }
    }

    /// Waits for the server to close this connection, ignoring lines before it.
    pub async fn expect_closed(&mut self, ctx: &Ctx, within: Duration) -> Result<(), Failure> {
        let lang = ctx.lang;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(ctx, left).await {
                Next::Line(_) => continue,
                Next::Closed | Next::Broken { .. } => return Ok(()),
                Next::Silent => {
                    return Err(self
                        .fail(
                            Step::Close,
                            tr!(
                                lang,
                                "{who}: the server did not close the connection within {secs:.1} s",
                                "{who}: 서버가 {secs:.1}초 안에 연결을 닫지 않았습니다",
                                who = self.who(lang),
                                secs = within.as_secs_f64()
                            ),
                        )
                        .with_kind(Kind::ChatLeftOpen));
                }
            }
        }
    }

    /// A failure for a wait for `want` that gave no line (`next`).
    fn no_line(&self, lang: Lang, want: &str, next: &Next, within: Duration) -> Failure {
        self.fail(
            Step::Read,
            tr!(
                lang,
                "{who} waited for `{want}`: {why}",
                "{who_ga} {want_reul} 기다렸습니다: {why}",
                who = self.who(lang),
                who_ga = josa(&self.who(lang), "이/가"),
                want_reul = josa_code(want, "을/를"),
                why = describe(lang, next, within)
            ),
        )
        .with_kind(kind_of(next))
    }

    /// A failure for a line that should not have come.
    pub fn unexpected(&self, lang: Lang, line: &str, want: &str) -> Failure {
        let own = !self.name.is_empty() && line.starts_with(&format!("{}: ", self.name));
        let message = if own {
            tr!(
                lang,
                "{who} got its own line back, `{line}`: the server must not send a line to its sender",
                "{who_ga} 자기가 보낸 줄 {line_reul} 돌려받았습니다. 서버는 보낸 사람에게는 그 줄을 보내지 않아야 합니다",
                who = self.who(lang),
                who_ga = josa(&self.who(lang), "이/가"),
                line = escape(line.as_bytes(), 80),
                line_reul = josa_code(&escape(line.as_bytes(), 80), "을/를")
            )
        } else {
            tr!(
                lang,
                "{who} expected `{want}` but got `{got}`",
                "{who_eun} {want_reul} 기다렸는데 {got_ga} 왔습니다",
                who = self.who(lang),
                who_eun = josa(&self.who(lang), "은/는"),
                got = escape(line.as_bytes(), 80),
                want_reul = josa_code(want, "을/를"),
                got_ga = josa_code(&escape(line.as_bytes(), 80), "이/가")
            )
        };
        self.fail(Step::Read, message)
    }

    /// A failure with this client's last lines as the transcript.
    pub fn fail(&self, step: Step, message: String) -> Failure {
        // The log's header: who received these lines (`bob` <-), or `<-`.
        let header = match self.name.is_empty() {
            true => "<-".to_string(),
            false => format!("`{}` <-", self.name),
        };
        let mut transcript = vec![header];
        transcript.extend(
            self.recent
                .iter()
                .map(|line| format!("  {}", escape(line.as_bytes(), 100))),
        );
        Failure::new(step, message).with_transcript(transcript)
    }

    fn who(&self, lang: Lang) -> String {
        if self.name.is_empty() {
            lang.pick("client", "클라이언트").into()
        } else {
            format!("`{}`", self.name)
        }
    }
}

/// `* bob joined` and `* bob left`: the room's notices about other clients.
pub fn is_notice(line: &str) -> bool {
    line.starts_with("* ") && (line.ends_with(" joined") || line.ends_with(" left"))
}

/// What a read that gave no line says about the server, when a kind's hint
/// explains it: a close or a reset. Silence does not: which line did not
/// come is what each test's hint is about.
pub fn kind_of(next: &Next) -> Option<Kind> {
    match next {
        Next::Closed => Some(Kind::ChatDropped),
        Next::Broken { reset: true, .. } => Some(Kind::Reset),
        Next::Line(_) | Next::Broken { .. } | Next::Silent => None,
    }
}

/// Why a read gave no line, for a report.
pub fn describe(lang: Lang, next: &Next, within: Duration) -> String {
    match next {
        Next::Line(line) => tr!(
            lang,
            "got `{line}`",
            "{line_reul} 받았습니다",
            line = escape(line.as_bytes(), 80),
            line_reul = josa_code(&escape(line.as_bytes(), 80), "을/를")
        ),
        Next::Closed => lang
            .pick(
                "the server closed the connection",
                "서버가 연결을 닫았습니다",
            )
            .into(),
        Next::Broken { error, .. } => tr!(
            lang,
            "the connection broke ({error})",
            "연결이 끊겼습니다({error})"
        ),
        Next::Silent => tr!(
            lang,
            "nothing arrived within {secs:.1} s",
            "{secs:.1}초 안에 아무것도 오지 않았습니다",
            secs = within.as_secs_f64()
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::grade::wire;

    /// How the grader's stand-in for a student's chat server behaves once a
    /// client has connected.
    #[derive(Clone, Copy, Debug)]
    enum Server {
        /// Reads nothing, says nothing, keeps the connection open.
        Silent,
        /// Reads the name, then closes (FIN).
        Closes,
        /// Reads the name, then resets (RST).
        Resets,
        /// Welcomes `bob`, then says nothing more and keeps the connection.
        WelcomesThenSilent,
    }

    /// What one client saw: the failure of what it waited for.
    #[derive(Clone, Copy, Debug)]
    enum Wait {
        Welcome,
        Line,
        Close,
        /// Sends far more than the kernel's buffers hold.
        Send,
    }

    async fn failure(server: Server, wait: Wait) -> Failure {
        let ctx = Ctx::new(Lang::En, 1, Arc::default(), Arc::default());
        let (listener, addr) = wire::listen_loopback().await.unwrap();
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut name = [0u8; 4];
            match server {
                Server::Silent => tokio::time::sleep(STALL * 3).await,
                Server::Closes => {
                    stream.read_exact(&mut name).await.unwrap();
                    drop(stream);
                }
                Server::Resets => {
                    stream.read_exact(&mut name).await.unwrap();
                    wire::reset(stream);
                }
                Server::WelcomesThenSilent => {
                    stream.write_all(b"* welcome bob\n").await.unwrap();
                    tokio::time::sleep(STALL * 3).await;
                }
            }
        });
        let mut client = Client::connect(&ctx, addr).await.unwrap();
        if !matches!(wait, Wait::Send) {
            client.send(&ctx, "bob").await.unwrap();
        }
        let result = match wait {
            Wait::Welcome => client.welcome(&ctx, "bob").await,
            Wait::Line => {
                client.welcome(&ctx, "bob").await.unwrap();
                client.expect(&ctx, "alice: hi", STALL).await
            }
            Wait::Close => client.expect_closed(&ctx, STALL).await,
            Wait::Send => client.send_raw(&ctx, &vec![b'x'; 64 << 20]).await,
        };
        task.abort();
        result.unwrap_err()
    }

    /// A close or a reset picks a kind (its hint says what ends a
    /// connection); so does no answer to a name, a connection left open, and
    /// a server that stops reading. A line that never comes does not: which
    /// line, and why, is each test's own hint.
    #[tokio::test]
    async fn the_kind_of_a_failed_wait_is_what_the_socket_saw() {
        let cases = [
            (Server::Silent, Wait::Welcome, Some(Kind::ChatNoWelcome)),
            (Server::Closes, Wait::Welcome, Some(Kind::ChatDropped)),
            (Server::Resets, Wait::Welcome, Some(Kind::Reset)),
            (Server::WelcomesThenSilent, Wait::Line, None),
            (Server::Silent, Wait::Close, Some(Kind::ChatLeftOpen)),
            (Server::Silent, Wait::Send, Some(Kind::ChatNotReading)),
        ];
        let handles: Vec<_> = cases
            .iter()
            .map(|&(server, wait, _)| tokio::spawn(failure(server, wait)))
            .collect();
        for (&(server, wait, want), handle) in cases.iter().zip(handles) {
            let failure = handle.await.unwrap();
            assert_eq!(
                failure.kind, want,
                "{server:?}, {wait:?}: {}",
                failure.message
            );
        }
    }
}
