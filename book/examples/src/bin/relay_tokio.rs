//! A line relay with tokio: every line a client sends goes to every other
//! connected client. The chapter "Concurrent server" uses it to show the
//! design of the chat server's second stage on a smaller protocol.
//!
//! ```text
//! cargo run -p book-examples --bin relay_tokio -- 127.0.0.1:7882
//! ```
//!
//! The first line on stdout is `listening on ADDRESS` (port 0 asks the kernel
//! for a free port); then one line per client that joins or leaves.
//!
//! The design: one task per connection, and one `tokio::sync::broadcast`
//! channel, the room, that every task sends to and receives from. Each task
//! waits for two things at once with `select!`: a line from its client, and
//! a line from the room.
//!
//! What this relay leaves out, on purpose: names, a limit on the length of a
//! line, an outbox that counts what waits for a slow client (and drops it),
//! and a goodbye on shutdown. The chat exercise needs all of them.

use std::env;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::sleep;

/// The address used when none is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7882";

/// How many lines the room keeps for its slowest receiver. A receiver that
/// falls further behind loses the oldest ones (`RecvError::Lagged`).
const ROOM_CAPACITY: usize = 256;

/// One line said in the room.
#[derive(Clone)]
struct Message {
    /// The connection that said it: it must not get its own line back.
    from: u64,
    /// The whole line, `\n` included. The channel clones the message once per
    /// receiver; with an `Arc` that copies a pointer, not the bytes.
    line: Arc<[u8]>,
}

// #[tokio::main] starts the runtime (worker threads that run the tasks, and
// the reactor that asks the OS which sockets are ready) and runs `main` on it.
#[tokio::main]
async fn main() -> ExitCode {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    // socket() + bind() + listen(), and the socket is made non-blocking: a
    // call that would wait returns to the runtime, which runs other tasks.
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(e) => {
            eprintln!("getsockname: {e}");
            return ExitCode::FAILURE;
        }
    }
    // ANCHOR: room
    // en: The room. `send` never waits for a receiver: when a receiver is
    // ROOM_CAPACITY lines behind, the oldest line is overwritten for it.
    // We keep no receiver here; each connection subscribes its own.
    // ko: 방. `send`는 받는 쪽을 절대 기다리지 않습니다. 받는 쪽이 ROOM_CAPACITY줄만큼
    // 뒤처지면 그 받는 쪽의 가장 오래된 줄을 덮어씁니다. 여기서는 받는 쪽을 두지 않고,
    // 연결마다 자기 받는 쪽을 구독합니다.
    let (room, _) = broadcast::channel::<Message>(ROOM_CAPACITY);
    // ANCHOR_END: room
    accept_loop(listener, room).await;
    ExitCode::SUCCESS
}

// ANCHOR: accept
/// en: Accepts clients forever; each one gets a task of its own at once.
/// ko: 클라이언트를 끝없이 수락하고, 저마다에게 곧바로 자기 태스크를 줍니다.
async fn accept_loop(listener: TcpListener, room: broadcast::Sender<Message>) {
    let mut next_id: u64 = 0;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // en: As with threads: "Too many open files" lasts until some
                // client leaves, so pause instead of spinning.
                // ko: 스레드 판과 같습니다. "Too many open files"는 어느 클라이언트가 떠날 때까지
                // 계속되므로, 헛돌지 말고 잠시 쉽니다.
                eprintln!("accept: {e}");
                sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        next_id += 1;
        // en: Subscribe now, before the task exists: the receiver gets every
        // line sent from this moment on, and none from before.
        // ko: 태스크가 생기기 전인 지금 구독합니다. 받는 쪽은 이 순간부터 보낸 줄을 모두 받고,
        // 그 전의 줄은 받지 않습니다.
        let inbox = room.subscribe();
        // en: spawn() returns at once; the task runs on its own, and we are back
        // in accept() before this client has sent a byte. A task that
        // waits holds no thread: only its state and its buffers.
        // ko: spawn()은 곧바로 돌아오고 태스크는 혼자 돌며, 우리는 이 클라이언트가 한 바이트도
        // 보내기 전에 accept()로 돌아와 있습니다. 기다리는 태스크는 스레드를 쥐지 않습니다.
        // 쥐는 것은 자기 상태와 버퍼뿐입니다.
        tokio::spawn(connection(next_id, stream, room.clone(), inbox));
    }
}
// ANCHOR_END: accept

// ANCHOR: connection
/// en: One client, from accept to close: relays its lines to the room and the
/// room's lines to it.
/// ko: 클라이언트 하나를 수락에서 닫기까지: 그 클라이언트의 줄을 방에 중계하고, 방의 줄을
/// 그 클라이언트에게 중계합니다.
async fn connection(
    id: u64,
    mut stream: TcpStream,
    room: broadcast::Sender<Message>,
    mut inbox: broadcast::Receiver<Message>,
) {
    let Ok(peer) = stream.peer_addr() else {
        // en: Already reset by the client.
        // ko: 클라이언트가 이미 리셋했습니다.
        return;
    };
    println!("joined {peer}");
    // en: Two halves of one socket, borrowed from it, so that a read and a write
    // can both be pending in the same select!.
    // ko: 소켓 하나에서 빌린 두 절반. 같은 select!에서 읽기와 쓰기가 함께 기다릴 수 있게
    // 합니다.
    let (reader, mut writer) = stream.split();
    let mut reader = BufReader::new(reader);
    // en: Outside the loop on purpose: see the read branch.
    // ko: 일부러 반복문 밖에 둡니다. 읽기 분기를 보세요.
    let mut line = Vec::new();
    loop {
        // en: select! polls both futures and runs the branch of the first to
        // finish. The other future is dropped, cancelled wherever it was.
        // ko: select!는 두 퓨처를 폴링해서 먼저 끝난 쪽의 분기를 실행합니다. 다른 퓨처는 drop되어,
        // 하던 곳이 어디든 거기서 취소됩니다.
        tokio::select! {
            // en: Cancel safe: if the room wins while read_until has read half a
            // line, those bytes stay in `line` and the next call goes on.
            // (No limit here: the chat exercise limits every line.)
            // ko: 취소 안전: read_until이 줄의 절반을 읽었을 때 방이 이기면, 그 바이트는 `line`에
            // 남고 다음 호출이 이어서 읽습니다. (여기에는 한도가 없습니다. 채팅 실습은 모든 줄에
            // 한도를 둡니다.)
            read = reader.read_until(b'\n', &mut line) => match read {
                // en: End of stream (the client closed) or a reset.
                // ko: 스트림 끝(클라이언트가 닫음)이거나 리셋입니다.
                Ok(0) | Err(_) => break,
                Ok(_) if line.ends_with(b"\n") => {
                    // en: Fails only when nobody listens, and we ourselves do.
                    // ko: 아무도 듣지 않을 때만 실패하는데, 우리 자신이 듣고 있습니다.
                    let _ = room.send(Message { from: id, line: line.as_slice().into() });
                    line.clear();
                }
                // en: The stream ended mid-line; the next call returns 0.
                // ko: 스트림이 줄 중간에 끝났습니다. 다음 호출은 0을 돌려줍니다.
                Ok(_) => {}
            },
            // en: Cancel safe too: a recv() that loses the race takes nothing.
            // ko: 이것도 취소 안전: 경주에서 진 recv()는 아무것도 가져가지 않습니다.
            message = inbox.recv() => match message {
                // en: Our own line: the room sends it to every receiver, us too.
                // ko: 우리가 보낸 줄입니다. 방은 모든 받는 쪽에 보내므로 우리에게도 옵니다.
                Ok(message) if message.from == id => {}
                Ok(message) => {
                    // en: Written here, in the branch, not raced in select!: a
                    // write_all cancelled halfway would leave half a line on
                    // the wire. While it waits for a slow client, this task
                    // reads neither its client nor the room; only this
                    // client's lines pile up in the channel.
                    // ko: select!에서 경주시키지 않고 여기, 분기 안에서 씁니다. 중간에 취소된 write_all은
                    // 줄의 절반을 회선에 남길 것입니다. 느린 클라이언트를 기다리는 동안 이 태스크는 자기
                    // 클라이언트도 방도 읽지 않습니다. 채널에 쌓이는 것은 이 클라이언트가 받을 줄뿐입니다.
                    if writer.write_all(&message.line).await.is_err() {
                        // en: A reset, or the client is gone.
                        // ko: 리셋이거나 클라이언트가 떠났습니다.
                        break;
                    }
                }
                // en: We fell more than ROOM_CAPACITY lines behind, and the
                // channel overwrote them. A relay can go on without them;
                // the chat protocol cannot say "you missed 12 lines".
                // ko: ROOM_CAPACITY줄보다 더 뒤처져서 채널이 그 줄들을 덮어썼습니다. 중계기는 그 줄 없이
                // 계속할 수 있지만, 채팅 프로토콜에는 "12줄을 놓쳤습니다"라고 말할 방법이 없습니다.
                Err(RecvError::Lagged(missed)) => {
                    eprintln!("{peer}: too slow, missed {missed} lines");
                }
                // en: Cannot happen while `room` (our own Sender) is alive.
                // ko: `room`(우리 자신의 Sender)이 살아 있는 동안에는 일어날 수 없습니다.
                Err(RecvError::Closed) => break,
            },
        }
    }
    // en: Returning drops the receiver (we leave the room) and the socket (the
    // kernel closes the connection). Nobody else is affected.
    // ko: 반환하면 받는 쪽(우리는 방을 떠남)과 소켓(커널이 연결을 닫음)이 drop됩니다.
    // 다른 누구도 영향을 받지 않습니다.
    println!("left {peer}");
}
// ANCHOR_END: connection
