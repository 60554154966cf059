//! The file-transfer exercise's tests: `ft-server` and `ft-client`, checked
//! against the grader's own implementation of the protocol (the book's
//! "File transfer" chapter is the contract).

mod client;
mod client_faults;
pub mod hidden;
#[cfg(target_os = "linux")]
mod memory;
pub(in crate::grade) mod proto;
pub(in crate::grade) mod server;

use std::path::Path;
use std::time::Duration;

use super::cli;
use super::lang::Text;
use super::spec::{TestSpec, Visibility};

/// The rules of the contract (the book chapter's contract tables, one per
/// row) that tests check: every test names at least one, and each has a
/// test, public or hidden (`rules_and_tests_name_each_other`).
pub const RULES: &[&str] = &[
    "ft.server.args",
    "ft.server.default_addr",
    "ft.server.default_limit",
    "ft.server.readiness",
    "ft.server.concurrency",
    "ft.server.files",
    "ft.server.requests",
    "ft.server.streaming",
    "ft.server.stderr",
    "ft.server.usage",
    "ft.server.lifetime",
    "ft.client.cmd_list",
    "ft.client.cmd_get",
    "ft.client.cmd_put",
    "ft.client.exit_1",
    "ft.client.usage",
    "ft.client.exit_3",
    "ft.client.exit_4",
    "ft.error.not_found",
    "ft.error.bad_name",
    "ft.error.too_large",
    "ft.error.put_digest",
    "ft.error.get_digest",
    "ft.error.cut_short",
    "ft.error.malformed",
    "ft.error.server_error",
];

pub fn tests() -> Vec<TestSpec> {
    #[allow(unused_mut)] // the memory tests are Linux-only
    let mut tests = vec![
        TestSpec {
            id: "ft.server.ready",
            points: 3,
            timeout: Duration::from_secs(10),
            visibility: Visibility::Public,
            rules: &["ft.server.args", "ft.server.readiness"],
            title: Text {
                en: "prints `listening on <ip>:<port>` with the bound port",
                ko: "바인드한 포트로 `listening on <ip>:<port>`를 출력한다",
            },
            hint: Text {
                en: "Bind with TcpListener::bind, then println!(\"listening on {}\", listener.local_addr()?).",
                ko: "TcpListener::bind로 바인드한 뒤 준비 완료 줄을 출력하세요: println!(\"listening on {}\", listener.local_addr()?).",
            },
            run: |ctx| Box::pin(server::ready(ctx)),
        },
        TestSpec {
            id: "ft.server.list",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["ft.server.files", "ft.server.requests"],
            title: Text {
                en: "LIST sends one ENTRY per regular file, sorted, then STATUS OK",
                ko: "LIST는 일반 파일마다 ENTRY를 정렬해 보낸 뒤 STATUS OK를 보낸다",
            },
            hint: Text {
                en: "Use fs::read_dir, keep regular files with valid names, sort by name, send ENTRY frames, then STATUS OK with the count.",
                ko: "fs::read_dir로 읽어 이름이 올바른 일반 파일만 이름순으로 정렬해 ENTRY를 보내고, 개수를 담은 STATUS OK를 보내세요.",
            },
            run: |ctx| Box::pin(server::list(ctx)),
        },
        TestSpec {
            id: "ft.server.get_sizes",
            points: 8,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.server.files", "ft.server.requests"],
            title: Text {
                en: "GET of empty, 1-byte and 1 MiB files: exact bytes and digest",
                ko: "빈 파일, 1바이트, 1 MiB 파일의 GET: 바이트와 다이제스트가 정확하다",
            },
            hint: Text {
                en: "STATUS OK with the size, DATA frames of at most 65536 bytes, then DONE with the SHA-256 of everything sent.",
                ko: "크기를 담은 STATUS OK, 65536바이트 이하의 DATA 프레임들, 그리고 보낸 전체의 SHA-256을 담은 DONE을 보내세요.",
            },
            run: |ctx| Box::pin(server::get_sizes(ctx)),
        },
        TestSpec {
            id: "ft.server.get_missing",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["ft.error.not_found"],
            title: Text {
                en: "GET of a missing file: NOT_FOUND, and the connection stays usable",
                ko: "없는 파일의 GET: NOT_FOUND를 보내고 연결은 계속 쓸 수 있다",
            },
            hint: Text {
                en: "Answer STATUS NOT_FOUND and go back to reading the next request on the same connection.",
                ko: "STATUS NOT_FOUND로 답하고 같은 연결에서 다음 요청을 읽으러 돌아가세요.",
            },
            run: |ctx| Box::pin(server::get_missing(ctx)),
        },
        TestSpec {
            id: "ft.server.put_sizes",
            points: 8,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.server.requests"],
            title: Text {
                en: "PUT of empty, 1-byte and 1 MiB files lands exactly in --root",
                ko: "빈 파일, 1바이트, 1 MiB 파일의 PUT이 --root에 정확히 저장된다",
            },
            hint: Text {
                en: "After STATUS OK, read DATA until the announced size, check DONE's digest, then rename the temporary file.",
                ko: "STATUS OK 뒤 알린 크기만큼 DATA를 읽고, DONE의 다이제스트를 확인한 다음 임시 파일의 이름을 바꾸세요.",
            },
            run: |ctx| Box::pin(server::put_sizes(ctx)),
        },
        TestSpec {
            id: "ft.server.large",
            points: 5,
            timeout: Duration::from_secs(60),
            visibility: Visibility::Public,
            rules: &["ft.server.requests"],
            title: Text {
                en: "a 64 MiB PUT and GET round trip",
                ko: "64 MiB 파일을 PUT한 뒤 GET한다",
            },
            hint: Text {
                en: "Stream in 64 KiB chunks with a BufReader/BufWriter; never hold the whole file.",
                ko: "BufReader/BufWriter로 64 KiB씩 흘려보내세요. 파일 전체를 메모리에 두지 마세요.",
            },
            run: |ctx| Box::pin(server::large_64mib(ctx)),
        },
        TestSpec {
            id: "ft.server.fragmented",
            points: 6,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["ft.server.requests"],
            title: Text {
                en: "PUT and GET through a proxy that splits frames into 3-byte segments",
                ko: "프레임을 3바이트 세그먼트로 쪼개는 프록시를 거쳐도 PUT과 GET이 된다",
            },
            hint: Text {
                en: "Read frames with read_exact: first the 4-byte length, then exactly that many bytes. One read is not one frame.",
                ko: "프레임은 read_exact로 읽으세요. 먼저 4바이트 길이, 그다음 정확히 그만큼. read 한 번이 프레임 하나가 아닙니다.",
            },
            run: |ctx| Box::pin(server::fragmented(ctx)),
        },
        TestSpec {
            id: "ft.server.traversal",
            points: 10,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.server.files", "ft.error.bad_name"],
            title: Text {
                en: "rejects ../, absolute, a/b, NUL and other unsafe names; writes nothing outside --root",
                ko: "../, 절대 경로, a/b, NUL 같은 위험한 이름을 거부하고 --root 밖에 아무것도 쓰지 않는다",
            },
            hint: Text {
                en: "Validate the name before touching the file system: 1..=255 bytes, no leading '.', no '/', '\\', ':' or NUL.",
                ko: "파일 시스템을 건드리기 전에 이름을 검사하세요: 1..=255바이트, '.'로 시작하지 않고, '/', '\\', ':', NUL이 없어야 합니다.",
            },
            run: |ctx| Box::pin(server::traversal(ctx)),
        },
        TestSpec {
            id: "ft.server.unfinished_upload",
            points: 6,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.server.lifetime", "ft.error.cut_short"],
            title: Text {
                en: "a client that disconnects mid-upload leaves no file; the next client is served",
                ko: "업로드 도중 끊긴 클라이언트는 파일을 남기지 않고, 다음 클라이언트는 처리된다",
            },
            hint: Text {
                en: "Write to a temporary '.'-name and remove it on any error (a guard with Drop); rename only after the digest matches.",
                ko: "'.'으로 시작하는 임시 이름에 쓰고 오류가 나면 지우세요(Drop을 쓰는 가드). 다이제스트가 맞은 뒤에만 이름을 바꿉니다.",
            },
            run: |ctx| Box::pin(server::unfinished_upload(ctx)),
        },
        TestSpec {
            id: "ft.server.too_large",
            points: 4,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["ft.server.default_limit", "ft.error.too_large"],
            title: Text {
                en: "PUT announcing 2^62 bytes: TOO_LARGE, connection stays usable",
                ko: "2^62바이트를 알리는 PUT: TOO_LARGE를 보내고 연결은 계속 쓸 수 있다",
            },
            hint: Text {
                en: "Compare the announced size with --max-size before accepting any data.",
                ko: "데이터를 받기 전에 알린 크기를 --max-size와 비교하세요.",
            },
            run: |ctx| Box::pin(server::too_large(ctx)),
        },
        TestSpec {
            id: "ft.server.bad_digest",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["ft.error.put_digest"],
            title: Text {
                en: "PUT with a wrong digest: BAD_DIGEST and no file",
                ko: "다이제스트가 틀린 PUT: BAD_DIGEST를 보내고 파일을 남기지 않는다",
            },
            hint: Text {
                en: "Hash the bytes as they arrive (sha2::Sha256::update) and compare with DONE before the rename.",
                ko: "바이트가 도착할 때마다 해시하고(sha2::Sha256::update) 이름을 바꾸기 전에 DONE과 비교하세요.",
            },
            run: |ctx| Box::pin(server::bad_digest(ctx)),
        },
        TestSpec {
            id: "ft.server.malformed",
            points: 6,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.server.lifetime", "ft.error.malformed"],
            title: Text {
                en: "malformed frames get STATUS MALFORMED, never a panic; the server keeps serving",
                ko: "잘못된 프레임에는 STATUS MALFORMED로 답하고 패닉하지 않으며 계속 서비스한다",
            },
            hint: Text {
                en: "Check every length and kind; answer MALFORMED and close that connection only. Never unwrap() data from the network.",
                ko: "모든 길이와 종류를 검사하고, MALFORMED로 답한 뒤 그 연결만 닫으세요. 네트워크에서 온 데이터를 unwrap()하지 마세요.",
            },
            run: |ctx| Box::pin(server::malformed(ctx)),
        },
        TestSpec {
            id: "ft.server.bad_args",
            points: 2,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.server.usage"],
            title: Text {
                en: "on a bad argument prints usage on stderr and exits 2",
                ko: "잘못된 인자를 받으면 표준 오류에 사용법을 출력하고 종료 코드 2로 끝난다",
            },
            hint: Text {
                en: "An unknown flag, a flag without its value, a --max-size that is not a number, or no --root: eprintln! the usage line and std::process::exit(2), before binding anything.",
                ko: "모르는 플래그, 값이 빠진 플래그, 숫자가 아닌 --max-size, --root가 없는 경우: 아무것도 바인드하기 전에 eprintln!으로 사용법 줄을 출력하고 std::process::exit(2)를 호출하세요.",
            },
            run: |ctx| Box::pin(cli::ft_server_bad_args(ctx)),
        },
        TestSpec {
            id: "ft.server.start_errors",
            points: 2,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.server.usage", "ft.server.stderr"],
            title: Text {
                en: "a root that is not a folder, or a taken address: one line on stderr, exit 1",
                ko: "루트가 폴더가 아니거나 주소가 이미 쓰이고 있으면 표준 오류에 한 줄, 종료 코드 1",
            },
            hint: Text {
                en: "Before binding, check that --root is a folder (fs::metadata(root)?.is_dir()); then match on TcpListener::bind. Either failure: one eprintln! line and std::process::exit(1); no unwrap(), nothing on stdout.",
                ko: "바인드하기 전에 --root가 폴더인지 확인하고(fs::metadata(root)?.is_dir()), 그다음 TcpListener::bind의 결과를 match하세요. 어느 쪽이든 실패하면 eprintln! 한 줄 후 std::process::exit(1)입니다. unwrap()은 쓰지 말고, 표준 출력에는 아무것도 쓰지 마세요.",
            },
            run: |ctx| Box::pin(cli::ft_server_start_errors(ctx)),
        },
        TestSpec {
            id: "ft.server.default_listen",
            points: 2,
            timeout: Duration::from_secs(10),
            visibility: Visibility::Public,
            rules: &["ft.server.default_addr"],
            title: Text {
                en: "without --listen listens on 127.0.0.1:7879",
                ko: "--listen이 없으면 127.0.0.1:7879에서 리슨한다",
            },
            hint: Text {
                en: "Start from the default, `127.0.0.1:7879`, and let `--listen` replace it. (If another program holds port 7879, exiting 1 with `bind 127.0.0.1:7879: …` on stderr passes too.)",
                ko: "기본값 `127.0.0.1:7879`에서 시작해 `--listen`이 있으면 바꾸세요. (다른 프로그램이 7879 포트를 쓰고 있다면 표준 오류에 `bind 127.0.0.1:7879: …` 같은 줄을 출력하고 종료 코드 1로 끝나도 통과합니다.)",
            },
            run: |ctx| Box::pin(cli::ft_server_default(ctx)),
        },
        TestSpec {
            id: "ft.server.stderr_only",
            points: 2,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["ft.server.stderr"],
            title: Text {
                en: "reports protocol errors on stderr: stdout keeps only the readiness line",
                ko: "프로토콜 오류를 표준 오류로 알리고, 표준 출력에는 준비 완료 줄만 남긴다",
            },
            hint: Text {
                en: "Log a connection's error with eprintln!, never println!: whoever started the server reads stdout for the `listening on` line alone.",
                ko: "연결의 오류는 println!이 아니라 eprintln!으로 남기세요. 서버를 실행한 쪽은 표준 출력에서 준비 완료 줄 `listening on` 하나만 읽습니다.",
            },
            run: |ctx| Box::pin(cli::ft_server_stdout(ctx)),
        },
        TestSpec {
            id: "ft.client.list",
            points: 3,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["ft.client.cmd_list"],
            title: Text {
                en: "`list` prints `<size>\\t<name>` per entry",
                ko: "`list`는 항목마다 `<크기>\\t<이름>`을 출력한다",
            },
            hint: Text {
                en: "Send LIST, print each ENTRY as `{size}\\t{name}` until STATUS.",
                ko: "LIST를 보내고 STATUS가 올 때까지 ENTRY마다 `{size}\\t{name}`을 출력하세요.",
            },
            run: |ctx| Box::pin(client::list(ctx)),
        },
        TestSpec {
            id: "ft.client.get",
            points: 4,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.client.cmd_get"],
            title: Text {
                en: "`get` saves a 1 MiB file exactly, with -o and without",
                ko: "`get`이 -o가 있을 때와 없을 때 모두 1 MiB 파일을 정확히 저장한다",
            },
            hint: Text {
                en: "Write DATA to a temporary file next to the target, check the digest, then fs::rename.",
                ko: "DATA를 대상 옆의 임시 파일에 쓰고, 다이제스트를 확인한 뒤 fs::rename하세요.",
            },
            run: |ctx| Box::pin(client::get(ctx)),
        },
        TestSpec {
            id: "ft.client.get_fragmented",
            points: 4,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["ft.client.cmd_get"],
            title: Text {
                en: "`get` works when the server's frames arrive in 3-byte pieces",
                ko: "서버의 프레임이 3바이트 조각으로 와도 `get`이 동작한다",
            },
            hint: Text {
                en: "read_exact the 4-byte length, then read_exact the rest: a frame may arrive in many reads.",
                ko: "4바이트 길이를 read_exact하고 나머지도 read_exact하세요. 프레임 하나가 여러 번의 read로 올 수 있습니다.",
            },
            run: |ctx| Box::pin(client::get_fragmented(ctx)),
        },
        TestSpec {
            id: "ft.client.put",
            points: 4,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["ft.client.cmd_put"],
            title: Text {
                en: "`put` uploads a 1 MiB file, with --as and without",
                ko: "`put`이 --as가 있을 때와 없을 때 모두 1 MiB 파일을 올린다",
            },
            hint: Text {
                en: "Send PUT size name, wait for STATUS OK, stream DATA frames, send DONE, then read the final STATUS.",
                ko: "PUT 크기 이름을 보내고 STATUS OK를 기다린 뒤 DATA를 흘려보내고 DONE을 보낸 다음 마지막 STATUS를 읽으세요.",
            },
            run: |ctx| Box::pin(client::put(ctx)),
        },
        TestSpec {
            id: "ft.client.large",
            points: 2,
            timeout: Duration::from_secs(60),
            visibility: Visibility::Public,
            rules: &["ft.client.cmd_get"],
            title: Text {
                en: "`get` of a 64 MiB file",
                ko: "64 MiB 파일의 `get`",
            },
            hint: Text {
                en: "Stream to the file as frames arrive; keep one 64 KiB buffer.",
                ko: "프레임이 오는 대로 파일에 쓰세요. 64 KiB 버퍼 하나면 됩니다.",
            },
            run: |ctx| Box::pin(client::large(ctx)),
        },
        TestSpec {
            id: "ft.client.not_found",
            points: 3,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["ft.client.exit_3", "ft.error.not_found"],
            title: Text {
                en: "an error STATUS: exit 3, `NOT_FOUND` on stderr, no file created",
                ko: "오류 STATUS: 종료 코드 3, 표준 오류에 `NOT_FOUND`, 파일을 만들지 않는다",
            },
            hint: Text {
                en: "Check the STATUS code before creating any file; on an error print `server: NOT_FOUND: <message>` and exit(3).",
                ko: "파일을 만들기 전에 STATUS 코드를 확인하세요. 오류면 `server: NOT_FOUND: <메시지>`를 출력하고 exit(3).",
            },
            run: |ctx| Box::pin(client::not_found(ctx)),
        },
        TestSpec {
            id: "ft.client.bad_digest",
            points: 2,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["ft.client.exit_4", "ft.error.get_digest"],
            title: Text {
                en: "a wrong digest: exit 4 and no file left, not even a temporary one",
                ko: "다이제스트가 틀리면 종료 코드 4, 임시 파일도 남기지 않는다",
            },
            hint: Text {
                en: "Compare your SHA-256 with DONE's; on a mismatch remove the temporary file and exit(4).",
                ko: "직접 계산한 SHA-256과 DONE을 비교하세요. 다르면 임시 파일을 지우고 exit(4).",
            },
            run: |ctx| Box::pin(client::bad_digest(ctx)),
        },
        TestSpec {
            id: "ft.client.refused",
            points: 2,
            timeout: Duration::from_secs(10),
            visibility: Visibility::Public,
            rules: &["ft.client.exit_1"],
            title: Text {
                en: "a refused connection: exit 1, one stderr line naming the address",
                ko: "연결이 거부되면 종료 코드 1, 주소를 담은 표준 오류 한 줄",
            },
            hint: Text {
                en: "On a connect error print `connect {addr}: {err}` and exit(1).",
                ko: "connect가 실패하면 `connect {addr}: {err}`를 출력하고 exit(1)하세요.",
            },
            run: |ctx| Box::pin(client::refused(ctx)),
        },
        TestSpec {
            id: "ft.client.put_waits",
            points: 3,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["ft.client.cmd_put"],
            title: Text {
                en: "`put` sends no byte of the file before the server's STATUS OK",
                ko: "`put`은 서버의 STATUS OK 전에 파일의 바이트를 하나도 보내지 않는다",
            },
            hint: Text {
                en: "After PUT, flush and read the server's STATUS: only OK means \"send it\"; BAD_NAME or TOO_LARGE end the exchange.",
                ko: "PUT 뒤 flush하고 서버의 STATUS를 읽으세요. OK만이 \"보내라\"는 뜻이고 BAD_NAME이나 TOO_LARGE면 교환이 끝납니다.",
            },
            run: |ctx| Box::pin(client_faults::put_waits(ctx)),
        },
        TestSpec {
            id: "ft.client.truncated",
            points: 3,
            timeout: Duration::from_secs(40),
            visibility: Visibility::Public,
            rules: &[
                "ft.client.exit_4",
                "ft.error.get_digest",
                "ft.error.cut_short",
            ],
            title: Text {
                en: "a connection that ends during a GET's data: exit 4, no file left",
                ko: "GET의 데이터 도중 연결이 끝나면 종료 코드 4, 파일을 남기지 않는다",
            },
            hint: Text {
                en: "An end of stream (clean or mid-frame) before DONE means the file is shorter than announced: an integrity failure, exit(4), and the temporary file goes away.",
                ko: "DONE 전에 스트림이 끝나면(프레임 사이든 프레임 도중이든) 파일이 알린 크기보다 짧은 것입니다. 무결성 실패이므로 exit(4)하고 임시 파일을 지우세요.",
            },
            run: |ctx| Box::pin(client_faults::truncated(ctx)),
        },
        TestSpec {
            id: "ft.client.bad_frame",
            points: 3,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["ft.client.exit_1", "ft.error.malformed"],
            title: Text {
                en: "a frame length of 0 or over 65537 from the server: exit 1 at once",
                ko: "서버가 보낸 프레임 길이가 0이거나 65537보다 크면 곧바로 종료 코드 1",
            },
            hint: Text {
                en: "Check the 4-byte length before reading the frame: 0 or more than 65537 is malformed; never allocate or wait for what a peer announces.",
                ko: "프레임을 읽기 전에 4바이트 길이를 검사하세요. 0이나 65537 초과는 잘못된 프레임입니다. 상대가 알린 크기만큼 할당하거나 기다리지 마세요.",
            },
            run: |ctx| Box::pin(client_faults::bad_frame(ctx)),
        },
        TestSpec {
            id: "ft.client.bad_args",
            points: 2,
            timeout: Duration::from_secs(25),
            visibility: Visibility::Public,
            rules: &["ft.client.usage"],
            title: Text {
                en: "on a bad command line prints usage on stderr and exits 2",
                ko: "명령줄이 잘못되면 표준 오류에 사용법을 출력하고 종료 코드 2로 끝난다",
            },
            hint: Text {
                en: "Match the whole command line (`ADDR list`, `ADDR get NAME [-o PATH]`, `ADDR put PATH [--as NAME]`) before connecting; anything else: eprintln! the usage line and std::process::exit(2).",
                ko: "연결하기 전에 명령줄 전체(`ADDR list`, `ADDR get NAME [-o PATH]`, `ADDR put PATH [--as NAME]`)를 match하세요. 그 밖의 것은 eprintln!으로 사용법 줄을 출력하고 std::process::exit(2)를 호출합니다.",
            },
            run: |ctx| Box::pin(cli::ft_client_bad_args(ctx)),
        },
    ];
    // Peak memory is read from /proc: Linux only. Elsewhere the test is not
    // part of the grade (and its points are not in the maximum).
    #[cfg(target_os = "linux")]
    tests.push(TestSpec {
        id: "ft.server.memory",
        points: 5,
        timeout: Duration::from_secs(90),
        visibility: Visibility::Public,
        rules: &["ft.server.streaming"],
        title: Text {
            en: "sending a 256 MiB file, the server's memory stays under 128 MiB",
            ko: "256 MiB 파일을 보내는 동안 서버 메모리가 128 MiB 아래로 유지된다",
        },
        hint: Text {
            en: "Copy the file in 64 KiB chunks (a loop of read and write); never fs::read the whole file.",
            ko: "파일을 64 KiB씩 복사하세요(read와 write의 반복). 파일 전체를 fs::read하지 마세요.",
        },
        run: |ctx| Box::pin(memory::memory(ctx)),
    });
    #[cfg(target_os = "linux")]
    tests.push(TestSpec {
        id: "ft.server.put_memory",
        points: 5,
        timeout: Duration::from_secs(90),
        visibility: Visibility::Public,
        rules: &["ft.server.streaming"],
        title: Text {
            en: "receiving a 256 MiB upload, the server's memory stays under 128 MiB",
            ko: "256 MiB 업로드를 받는 동안 서버 메모리가 128 MiB 아래로 유지된다",
        },
        hint: Text {
            en: "Write each DATA frame to the temporary file as it arrives; never collect the upload in a Vec.",
            ko: "DATA 프레임이 올 때마다 임시 파일에 쓰세요. 업로드를 Vec에 모으지 마세요.",
        },
        run: |ctx| Box::pin(memory::put_memory(ctx)),
    });
    tests
}

/// The names of the entries in `dir`, sorted (empty if it cannot be read).
pub(in crate::grade) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
