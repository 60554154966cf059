//! Echo server: writes back each byte as soon as it arrives, in order; when the
//! client half-closes, it finishes writing and closes the connection.
//!
//! Usage: `echo-server [--listen ADDR]` (default `127.0.0.1:7878`).
//!
//! The server's socket lifecycle is: create, bind, listen, accept, read/write,
//! close. Watch for where each step happens below.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::exit;

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// How many bytes one `read` may return. Any size is correct: TCP is a byte
/// stream, so the size of a read says nothing about the sender's messages.
/// Bigger buffers mean fewer system calls; 8 KiB is std's own default.
const BUF_SIZE: usize = 8 * 1024;

fn main() {
    let addr = listen_addr();
    let listener = open_listener(&addr);
    serve_forever(listener);
}

/// Reads `--listen ADDR` (or `--listen=ADDR`) from the command line.
fn listen_addr() -> String {
    let mut args = std::env::args().skip(1);
    let mut addr = DEFAULT_LISTEN.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(value) => addr = value,
                None => usage(),
            },
            _ => match arg.strip_prefix("--listen=") {
                Some(value) => addr = value.to_string(),
                None => usage(),
            },
        }
    }
    addr
}

fn usage() -> ! {
    eprintln!("usage: echo-server [--listen ADDR]");
    exit(2);
}

// ANCHOR: open_listener
/// en: Steps 1–3: create a socket, bind it to `addr`, and listen.
/// ko: 1–3단계: 소켓을 만들고, `addr`에 바인드하고, 리슨합니다.
fn open_listener(addr: &str) -> TcpListener {
    // en: `TcpListener::bind` makes three system calls: socket() creates the
    // endpoint, bind() gives it the local address, listen() tells the kernel to
    // complete handshakes for it. From here on, clients can connect even
    // before we call accept(): the kernel queues them (the backlog).
    // ko: `TcpListener::bind`는 시스템 호출 세 개를 합니다. socket()이 통신의 끝점을 만들고,
    // bind()가 거기에 로컬 주소를 주고, listen()이 커널에게 이 소켓으로 오는 핸드셰이크를 마쳐
    // 달라고 합니다. 이제부터는 우리가 accept()를 부르기 전에도 클라이언트가 연결할 수 있습니다.
    // 커널이 그 연결들을 수락 큐(백로그)에 넣어 둡니다.
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(err) => {
            // en: The classic failure here is "address already in use": another
            // process listens on that port, or a recently closed one is in TIME_WAIT.
            // ko: 여기서 흔한 실패는 `Address already in use`입니다. 다른 프로세스가 그 포트에서
            // 리슨하고 있거나, 최근에 닫힌 소켓이 TIME_WAIT에 있는 경우입니다.
            eprintln!("bind {addr}: {err}");
            exit(1);
        }
    };
    // en: With port 0 the kernel picks a free port: ask the socket which one it
    // got, so that whoever started us knows where to connect.
    // ko: 포트가 0이면 커널이 빈 포트를 고릅니다. 어느 포트를 받았는지 소켓에 물어서, 우리를 실행한
    // 쪽이 어디로 연결할지 알게 합니다.
    match listener.local_addr() {
        // en: Rust's stdout is line-buffered: the newline sends this line out now.
        // ko: Rust의 표준 출력은 줄 단위로 버퍼링됩니다. 줄바꿈이 이 줄을 곧바로 내보냅니다.
        Ok(local) => println!("listening on {local}"),
        Err(err) => {
            eprintln!("listen {addr}: {err}");
            exit(1);
        }
    }
    listener
}
// ANCHOR_END: open_listener

// ANCHOR: serve_forever
/// en: Step 4: accept clients one after another, forever.
/// ko: 4단계: 클라이언트를 하나씩 차례로, 끝없이 수락합니다.
fn serve_forever(listener: TcpListener) {
    // en: Each call to accept() returns a *new* socket connected to one client;
    // the listening socket stays open and keeps listening.
    // ko: accept()를 부를 때마다 클라이언트 하나와 연결된 *새* 소켓이 나옵니다. 리스닝 소켓은 열린
    // 채로 계속 리슨합니다.
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => {
                let peer = stream
                    .peer_addr()
                    .map_or_else(|_| "client".to_string(), |a| a.to_string());
                // en: A client that misbehaves (resets, vanishes) costs us this
                // connection only: report it and go back to accept().
                // ko: 말썽을 부리는 클라이언트(리셋하거나 사라지는 클라이언트)가 앗아 가는 것은 이
                // 연결 하나뿐입니다. 알리고 accept()로 돌아갑니다.
                if let Err(err) = echo(stream) {
                    eprintln!("{peer}: {err}");
                }
            }
            // en: accept() can fail for one connection (e.g. it was reset while
            // still in the queue); the listener is still fine.
            // ko: accept()는 연결 하나 때문에 실패할 수 있습니다(예를 들어 큐에 있는 동안 리셋된
            // 연결). 리스닝 소켓은 여전히 멀쩡합니다.
            Err(err) => eprintln!("accept: {err}"),
        }
    }
}
// ANCHOR_END: serve_forever

// ANCHOR: echo
/// en: Steps 5–6: echo every byte until the client half-closes, then close.
/// ko: 5–6단계: 클라이언트가 절반 닫기를 할 때까지 모든 바이트를 에코하고, 그다음 닫습니다.
fn echo(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; BUF_SIZE];
    loop {
        // en: read() returns whatever has arrived: 1 byte or many, never more
        // than the buffer. It returns 0 only at end of stream: the client
        // called shutdown(Write) or closed, and will send nothing more.
        // ko: read()는 도착한 만큼을 돌려줍니다. 1바이트일 수도 많을 수도 있지만 버퍼보다 많지는
        // 않습니다. 0은 스트림이 끝났을 때만 돌려줍니다. 클라이언트가 shutdown(Write)를 불렀거나
        // 닫았고, 더는 아무것도 보내지 않는다는 뜻입니다.
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // en: write() may accept fewer bytes than we pass it; write_all() loops
        // until every byte is handed to the kernel. When the client reads
        // slowly, this blocks: that is TCP flow control, and it is why we do
        // not read more than we can write back.
        // ko: write()는 넘겨준 것보다 적은 바이트만 받아 갈 수 있습니다. write_all()은 모든
        // 바이트가 커널에 넘어갈 때까지 반복합니다. 클라이언트가 느리게 읽으면 여기서 블록합니다.
        // 그것이 TCP의 흐름 제어이고, 우리가 돌려보낼 수 있는 것보다 더 많이 읽지 않는 까닭입니다.
        stream.write_all(&buf[..n])?;
    }
    // en: EOF from the client means "I will send no more", not "I stop
    // reading": everything we wrote is queued in the kernel, and shutdown
    // sends our FIN after it. Dropping `stream` then closes the socket.
    // ko: 클라이언트의 EOF는 "더 보내지 않겠다"는 뜻이지 "읽기를 멈추겠다"는 뜻이 아닙니다. 우리가
    // 쓴 것은 모두 커널의 큐에 있고, shutdown은 그 뒤에 우리 FIN을 보냅니다. 그다음 `stream`을
    // drop하면 소켓이 닫힙니다.
    stream.shutdown(Shutdown::Write)
}
// ANCHOR_END: echo
