//! The echo exercise's tests: `echo-server` and `echo-client`, checked over
//! real sockets as a peer on the network would. Contract: book chapter
//! "Echo" and shared/DESIGN.md.

mod client;
pub mod hidden;
pub(in crate::grade) mod server;

use std::time::Duration;

use super::cli;
use super::lang::Text;
use super::spec::{TestSpec, Visibility};

const SECS: fn(u64) -> Duration = Duration::from_secs;

/// The rules of the contract (the book chapter's contract tables, one per
/// row) that tests check: every test names at least one, and each has a
/// test, public or hidden (`rules_and_tests_name_each_other`).
pub const RULES: &[&str] = &[
    "echo.server.args",
    "echo.server.default_addr",
    "echo.server.readiness",
    "echo.server.stderr",
    "echo.server.bind_error",
    "echo.server.usage",
    "echo.server.echo",
    "echo.server.clients",
    "echo.server.lifetime",
    "echo.client.args",
    "echo.client.send",
    "echo.client.receive",
    "echo.client.success",
    "echo.client.connect_error",
    "echo.client.usage",
];

pub fn tests() -> Vec<TestSpec> {
    vec![
        TestSpec {
            id: "echo.server.ready",
            points: 5,
            timeout: SECS(10),
            visibility: Visibility::Public,
            rules: &["echo.server.readiness"],
            title: Text {
                en: "prints `listening on <ip>:<port>` with the bound port",
                ko: "바인드한 포트로 `listening on <ip>:<port>`를 출력한다",
            },
            hint: Text {
                en: "Bind with TcpListener::bind(addr), then println!(\"listening on {}\", listener.local_addr()?).",
                ko: "TcpListener::bind(addr)로 바인드한 뒤 준비 완료 줄을 출력하세요: println!(\"listening on {}\", listener.local_addr()?).",
            },
            run: |ctx| Box::pin(server::ready(ctx)),
        },
        TestSpec {
            id: "echo.server.listen_addr",
            points: 5,
            timeout: SECS(10),
            visibility: Visibility::Public,
            rules: &["echo.server.args", "echo.server.readiness"],
            title: Text {
                en: "listens on the address given with --listen",
                ko: "--listen으로 받은 주소에서 리슨한다",
            },
            hint: Text {
                en: "Read the address from `--listen ADDR` and bind exactly that; do not hard-code a port.",
                ko: "`--listen ADDR`에서 주소를 읽어 정확히 그 주소에 바인드하세요. 포트를 코드에 고정하지 마세요.",
            },
            run: |ctx| Box::pin(server::listen_addr(ctx)),
        },
        TestSpec {
            id: "echo.server.short",
            points: 10,
            timeout: SECS(10),
            visibility: Visibility::Public,
            rules: &["echo.server.echo"],
            title: Text {
                en: "echoes a short message",
                ko: "짧은 메시지를 에코한다",
            },
            hint: Text {
                en: "accept() a connection, read() into a buffer and write_all() exactly the bytes you read.",
                ko: "accept()로 연결을 받고, read()로 버퍼에 읽은 뒤 읽은 바이트만큼 write_all()로 보내세요.",
            },
            run: |ctx| Box::pin(server::short(ctx)),
        },
        TestSpec {
            id: "echo.server.binary_1mib",
            points: 10,
            timeout: SECS(15),
            visibility: Visibility::Public,
            rules: &["echo.server.echo"],
            title: Text {
                en: "echoes 1 MiB of random binary data exactly",
                ko: "1 MiB 무작위 바이너리 데이터를 정확히 에코한다",
            },
            hint: Text {
                en: "Loop: read() until it returns 0, and write back buf[..n] each time; the data is bytes, not text.",
                ko: "read()가 0을 돌려줄 때까지 반복하며 매번 buf[..n]을 돌려보내세요. 데이터는 텍스트가 아니라 바이트입니다.",
            },
            run: |ctx| Box::pin(server::binary_1mib(ctx)),
        },
        TestSpec {
            id: "echo.server.fragmented",
            points: 10,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &["echo.server.echo"],
            title: Text {
                en: "echoes correctly when TCP delivers 1-byte segments with delays",
                ko: "TCP가 1바이트 세그먼트를 지연과 함께 전달해도 올바르게 에코한다",
            },
            hint: Text {
                en: "One read() is not one message: a read may return 1 byte. Keep reading until EOF.",
                ko: "read() 한 번이 메시지 하나가 아닙니다. read는 1바이트만 돌려줄 수도 있습니다. EOF까지 계속 읽으세요.",
            },
            run: |ctx| Box::pin(server::fragmented(ctx)),
        },
        TestSpec {
            id: "echo.server.half_close",
            points: 10,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &["echo.server.echo"],
            title: Text {
                en: "finishes writing, then closes, after the client half-closes",
                ko: "클라이언트가 절반 닫기를 하면 남은 쓰기를 마친 뒤 닫는다",
            },
            hint: Text {
                en: "read() returning 0 means the client will send no more, not that it stopped reading: write everything you still owe, then close.",
                ko: "read()가 0을 돌려준다는 것은 클라이언트가 더 보내지 않는다는 뜻이지 읽기를 멈췄다는 뜻이 아닙니다. 보낼 것을 모두 보낸 뒤 닫으세요.",
            },
            run: |ctx| Box::pin(server::half_close(ctx)),
        },
        TestSpec {
            id: "echo.server.slow_reader",
            points: 10,
            timeout: SECS(30),
            visibility: Visibility::Public,
            rules: &["echo.server.echo"],
            title: Text {
                en: "keeps every byte when the client reads slowly (flow control)",
                ko: "클라이언트가 느리게 읽어도 바이트를 잃지 않는다(흐름 제어)",
            },
            hint: Text {
                en: "write() may write fewer bytes than asked, or time out: use write_all(), and do not set a short write timeout that drops data.",
                ko: "write()는 요청보다 적게 쓰거나 시간 초과될 수 있습니다. write_all()을 쓰고, 데이터를 버리게 되는 짧은 쓰기 타임아웃을 두지 마세요.",
            },
            run: |ctx| Box::pin(server::slow_reader(ctx)),
        },
        TestSpec {
            id: "echo.server.sequential",
            points: 10,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &["echo.server.clients", "echo.server.lifetime"],
            title: Text {
                en: "serves several clients one after another",
                ko: "여러 클라이언트를 차례로 처리한다",
            },
            hint: Text {
                en: "After one client is done, go back to accept(): loop over listener.incoming().",
                ko: "한 클라이언트가 끝나면 다시 accept()로 돌아가세요. listener.incoming()을 반복하면 됩니다.",
            },
            run: |ctx| Box::pin(server::sequential(ctx)),
        },
        TestSpec {
            id: "echo.server.reset",
            points: 5,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &["echo.server.clients", "echo.server.lifetime"],
            title: Text {
                en: "survives a client that resets mid-stream, serves the next one",
                ko: "도중에 연결을 리셋한 클라이언트 뒤에도 다음 클라이언트를 처리한다",
            },
            hint: Text {
                en: "A reset makes read/write return an error (ConnectionReset, BrokenPipe): report it with eprintln! and keep accepting; never unwrap() a socket I/O result in the accept loop.",
                ko: "리셋되면 read/write가 오류(ConnectionReset, BrokenPipe)를 돌려줍니다. eprintln!으로 알리고 계속 accept하세요. accept 루프에서 소켓 I/O 결과를 unwrap()하지 마세요.",
            },
            run: |ctx| Box::pin(server::reset(ctx)),
        },
        TestSpec {
            id: "echo.server.bad_args",
            points: 2,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &["echo.server.usage"],
            title: Text {
                en: "on a bad argument prints usage on stderr and exits 2",
                ko: "잘못된 인자를 받으면 표준 오류에 사용법을 출력하고 종료 코드 2로 끝난다",
            },
            hint: Text {
                en: "Anything but `--listen ADDR` or `--listen=ADDR` is a usage error: eprintln!(\"usage: echo-server [--listen ADDR]\") and std::process::exit(2), before binding anything.",
                ko: "`--listen ADDR`나 `--listen=ADDR`가 아닌 인자는 모두 사용법 오류입니다. 아무것도 바인드하기 전에 eprintln!(\"usage: echo-server [--listen ADDR]\") 후 std::process::exit(2)를 호출하세요.",
            },
            run: |ctx| Box::pin(cli::echo_server_bad_args(ctx)),
        },
        TestSpec {
            id: "echo.server.bind_taken",
            points: 2,
            timeout: SECS(10),
            visibility: Visibility::Public,
            rules: &["echo.server.bind_error", "echo.server.stderr"],
            title: Text {
                en: "when the address is taken, one line on stderr and exit 1",
                ko: "주소가 이미 쓰이고 있으면 표준 오류에 한 줄을 출력하고 종료 코드 1로 끝난다",
            },
            hint: Text {
                en: "Match on TcpListener::bind(addr): on Err, eprintln!(\"bind {addr}: {err}\") and std::process::exit(1); no unwrap() (a panic exits 101 with several lines), nothing on stdout.",
                ko: "TcpListener::bind(addr)의 결과를 match하세요. 실패하면(Err) eprintln!(\"bind {addr}: {err}\") 후 std::process::exit(1)입니다. unwrap()은 쓰지 마세요(패닉은 여러 줄과 함께 종료 코드 101로 끝납니다). 표준 출력에는 아무것도 쓰지 않습니다.",
            },
            run: |ctx| Box::pin(cli::echo_server_bind_taken(ctx)),
        },
        TestSpec {
            id: "echo.server.default_listen",
            points: 2,
            timeout: SECS(10),
            visibility: Visibility::Public,
            rules: &["echo.server.default_addr"],
            title: Text {
                en: "without --listen listens on 127.0.0.1:7878",
                ko: "--listen이 없으면 127.0.0.1:7878에서 리슨한다",
            },
            hint: Text {
                en: "Start from the default, `127.0.0.1:7878`, and let `--listen` replace it. (If another program holds port 7878, exiting 1 with `bind 127.0.0.1:7878: …` on stderr passes too.)",
                ko: "기본값 `127.0.0.1:7878`에서 시작해 `--listen`이 있으면 바꾸세요. (다른 프로그램이 7878 포트를 쓰고 있다면 표준 오류에 `bind 127.0.0.1:7878: …` 같은 줄을 출력하고 종료 코드 1로 끝나도 통과합니다.)",
            },
            run: |ctx| Box::pin(cli::echo_server_default(ctx)),
        },
        TestSpec {
            id: "echo.server.stderr_only",
            points: 2,
            timeout: SECS(30),
            visibility: Visibility::Public,
            rules: &["echo.server.stderr"],
            title: Text {
                en: "reports a broken client on stderr: stdout keeps only the readiness line",
                ko: "문제 있는 클라이언트를 표준 오류로 알리고, 표준 출력에는 준비 완료 줄만 남긴다",
            },
            hint: Text {
                en: "Print every diagnostic with eprintln!, never println!: whoever started the server reads stdout for the `listening on` line alone.",
                ko: "진단 메시지는 모두 println!이 아니라 eprintln!으로 출력하세요. 서버를 실행한 쪽은 표준 출력에서 준비 완료 줄 `listening on` 하나만 읽습니다.",
            },
            run: |ctx| Box::pin(cli::echo_server_stdout(ctx)),
        },
        TestSpec {
            id: "echo.client.echo",
            points: 10,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &[
                "echo.client.args",
                "echo.client.receive",
                "echo.client.success",
            ],
            title: Text {
                en: "prints exactly what a server answering in fragments sends back",
                ko: "조각내어 답하는 서버가 돌려준 것을 정확히 출력한다",
            },
            hint: Text {
                en: "Copy the socket to stdout until read() returns 0 (std::io::copy does the loop), then exit 0.",
                ko: "read()가 0을 돌려줄 때까지 소켓을 표준 출력으로 복사하고(std::io::copy가 반복해 줍니다) 0으로 종료하세요.",
            },
            run: |ctx| Box::pin(client::echo(ctx)),
        },
        TestSpec {
            id: "echo.client.large",
            points: 5,
            timeout: SECS(40),
            visibility: Visibility::Public,
            rules: &["echo.client.send", "echo.client.receive"],
            title: Text {
                en: "sends 16 MiB from stdin without deadlocking",
                ko: "표준 입력의 16 MiB를 교착 상태 없이 보낸다",
            },
            hint: Text {
                en: "Write and read at the same time: a client that writes everything before reading fills both directions' buffers and hangs.",
                ko: "쓰기와 읽기를 동시에 하세요. 다 쓴 다음에 읽는 클라이언트는 양방향 버퍼를 가득 채우고 멈춥니다.",
            },
            run: |ctx| Box::pin(client::large(ctx)),
        },
        TestSpec {
            id: "echo.client.half_close",
            points: 5,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &["echo.client.send"],
            title: Text {
                en: "half-closes so the server sees EOF",
                ko: "절반 닫기를 해서 서버가 EOF를 보게 한다",
            },
            hint: Text {
                en: "When stdin ends, call stream.shutdown(Shutdown::Write) and keep reading the answer.",
                ko: "표준 입력이 끝나면 stream.shutdown(Shutdown::Write)을 호출하고 응답을 계속 읽으세요.",
            },
            run: |ctx| Box::pin(client::half_close(ctx)),
        },
        TestSpec {
            id: "echo.client.refused",
            points: 5,
            timeout: SECS(10),
            visibility: Visibility::Public,
            rules: &["echo.client.args", "echo.client.connect_error"],
            title: Text {
                en: "on a refused connection exits 1 with a one-line error naming the address",
                ko: "연결이 거부되면 주소를 담은 한 줄 오류와 함께 종료 코드 1로 끝난다",
            },
            hint: Text {
                en: "Match on TcpStream::connect(addr): on Err, eprintln!(\"connect {addr}: {err}\") and std::process::exit(1).",
                ko: "TcpStream::connect(addr)의 결과를 match하세요. 실패하면(Err) eprintln!(\"connect {addr}: {err}\") 후 std::process::exit(1).",
            },
            run: |ctx| Box::pin(client::refused(ctx)),
        },
        TestSpec {
            id: "echo.client.bad_args",
            points: 2,
            timeout: SECS(20),
            visibility: Visibility::Public,
            rules: &["echo.client.usage"],
            title: Text {
                en: "without exactly one argument prints usage on stderr and exits 2",
                ko: "인자가 정확히 하나가 아니면 표준 오류에 사용법을 출력하고 종료 코드 2로 끝난다",
            },
            hint: Text {
                en: "Take exactly one argument, the address: with none or more, eprintln!(\"usage: echo-client ADDR\") and std::process::exit(2), before connecting. expect() on a missing argument panics and exits 101.",
                ko: "인자는 주소 하나만 받으세요. 없거나 더 많으면 연결하기 전에 eprintln!(\"usage: echo-client ADDR\") 후 std::process::exit(2)를 호출하세요. 없는 인자에 expect()를 쓰면 패닉과 함께 종료 코드 101로 끝납니다.",
            },
            run: |ctx| Box::pin(cli::echo_client_bad_args(ctx)),
        },
    ]
}
