#include "support/test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include "mblob/core/fd.h"

extern char** environ;

namespace mblob::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/mblob-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

// write() to the child's stdin without dying of SIGPIPE when the child has exited before
// reading it all (a usage error): SIGPIPE is blocked in this thread for the call, and a pending
// one is consumed, so the write just fails with EPIPE. The child keeps the default disposition.
ssize_t write_no_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_signal, old_mask;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  ssize_t w = ::write(fd, data, size);
  int saved = errno;
  if (w < 0 && errno == EPIPE) {
    timespec zero{};
    while (::sigtimedwait(&pipe_signal, nullptr, &zero) == SIGPIPE) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = saved;
  return w;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
              const std::string& stdin_data) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC) || ::pipe2(in_pipe, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);

  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  for (const auto& e : env) envs.push_back(e);
  std::vector<char*> envp, args;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(in_pipe[0]);
  RunResult r;
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ::close(in_pipe[1]);
    r.exit_code = 127;
    r.err = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return r;
  }
  // Feed stdin and drain both outputs without deadlocking.
  std::size_t in_off = 0;
  int in_fd = in_pipe[1];
  if (stdin_data.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_count = 2;
  while (open_count > 0 || in_fd >= 0) {
    pollfd p[3];
    int n = 0;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) p[n++] = {fds[i], POLLIN, 0};
    }
    if (in_fd >= 0) p[n++] = {in_fd, POLLOUT, 0};
    if (::poll(p, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < n; ++k) {
      if (!p[k].revents) continue;
      if (p[k].fd == in_fd) {
        ssize_t w = write_no_sigpipe(in_fd, stdin_data.data() + in_off, stdin_data.size() - in_off);
        if (w > 0) in_off += static_cast<std::size_t>(w);
        if (w < 0 || in_off == stdin_data.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      for (int i = 0; i < 2; ++i) {
        if (p[k].fd != fds[i]) continue;
        char buf[65536];
        ssize_t got = ::read(fds[i], buf, sizeof buf);
        if (got > 0) {
          sinks[i]->append(buf, static_cast<std::size_t>(got));
        } else {
          ::close(fds[i]);
          fds[i] = -1;
          --open_count;
        }
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

RunResult run_ok(const std::vector<std::string>& argv) {
  RunResult r = run(argv);
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  EXPECT_EQ(r.exit_code, 0) << "command failed: " << cmd << "\nstdout:\n"
                            << r.out << "\nstderr:\n"
                            << r.err;
  return r;
}

std::string find_tool(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (!dir.empty()) {
      std::string full = dir + "/" + name;
      if (::access(full.c_str(), X_OK) == 0) return full;
    }
    start = end + 1;
  }
  return "";
}

void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> pattern_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

FifoReader::FifoReader(const fs::path& fifo) {
  keeper_ = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // Linux: a FIFO opened both ways
  if (keeper_ < 0) throw std::runtime_error("cannot open the FIFO " + fifo.string());
  fd_ = ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC);  // does not block: keeper_ is a writer
  if (fd_ < 0) throw std::runtime_error("cannot open the FIFO " + fifo.string());
  thread_ = std::thread([this] {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd_, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) bytes_.insert(bytes_.end(), buf, buf + n);
    }
  });
}

std::vector<std::uint8_t> FifoReader::finish() {
  if (keeper_ >= 0) ::close(keeper_);
  keeper_ = -1;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return bytes_;
}

FifoReader::~FifoReader() { finish(); }

std::vector<std::string> mblob_temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.find("mblob-tmp") != std::string::npos) out.push_back(n);
  }
  return out;
}

bool dev_files_intact() {
  bool intact = true;
  struct stat st {};
  if (!(::lstat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) {
    intact = false;
    ::unlink("/dev/null");
    ::mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
    ::chmod("/dev/null", 0666);
  }
  std::error_code ec;
  if (fs::read_symlink("/dev/stdout", ec) != "/proc/self/fd/1") {
    intact = false;
    ::unlink("/dev/stdout");
    fs::create_symlink("/proc/self/fd/1", "/dev/stdout", ec);
  }
  return intact;
}

SampleModel::SampleModel(const SampleModelOptions& o) {
  write_text(dir / "host.c", "int model_add(int a, int b) { return a + b; }\n");
  write_bytes(dir / "k.ptx", pattern_bytes(o.ptx_bytes, o.seed));
  write_bytes(dir / "w.bin", pattern_bytes(o.weight_bytes, o.seed + 1));
  manifest = dir / "model.json";
  std::string modules = o.modules_json;
  if (modules.empty()) {
    modules = std::string(R"([
      {"name":"host","kind":"host","sources":["host.c"],"imports":["gpu","w"]},
      {"name":"gpu","kind":"cuda","payload":"k.ptx")") +
              (o.gpu_imports_weights ? R"(,"imports":["w"])" : "") + R"(},
      {"name":"w","kind":"params","payload":"w.bin"}])";
  }
  write_text(manifest, R"({"format":")" + o.format + R"(","modules":)" + modules + "}");
}

std::vector<std::string> SampleModel::export_argv(const std::string& name,
                                                  const std::vector<std::string>& extra) const {
  std::vector<std::string> argv = {cli(), "export", manifest.string(), "-o", (dir / name).string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

fs::path SampleModel::exported(const std::string& name,
                               const std::vector<std::string>& extra) const {
  std::vector<std::string> argv = export_argv(name, extra);
  argv.push_back("-q");
  run_ok(argv);
  return dir / name;
}

std::uint64_t fnv1a(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (auto c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string run_model_check_under_qemu(const std::string& gcc, const std::string& qemu,
                                       const std::string& arch, const fs::path& dir,
                                       const fs::path& so) {
  write_text(dir / "check.c", R"(
#include <dlfcn.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  const unsigned char* b = dlsym(h, "__tvm_ffi__library_bin");
  int (*add)(int, int) = (int (*)(int, int))dlsym(h, "model_add");
  if (!b || !add) return 2;
  uint64_t n; memcpy(&n, b, 8);
  uint64_t x = 1469598103934665603ull;
  for (uint64_t i = 0; i < 8 + n; ++i) x = (x ^ b[i]) * 1099511628211ull;
  printf("%llu %llx %d\n", (unsigned long long)(8 + n), (unsigned long long)x, add(40, 2));
  return 0;
}
)");
  const fs::path exe = dir / "check";
  run_ok({gcc, (dir / "check.c").string(), "-o", exe.string(), "-ldl"});
  RunResult r = run({qemu, "-L", "/usr/" + arch + "-linux-gnu", exe.string(), so.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

std::string model_check_line(const std::vector<std::uint8_t>& blob) {
  char line[128];
  std::snprintf(line, sizeof line, "%zu %llx 42\n", blob.size(),
                static_cast<unsigned long long>(fnv1a(blob)));
  return line;
}

std::uint64_t free_bytes(const fs::path& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) return 0;
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

void write_sparse(const fs::path& path, std::uint64_t size, const std::vector<ByteMark>& marks) {
  UniqueFd fd(::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_GE(fd.get(), 0) << path;
  ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(size)), 0) << path;
  for (auto [off, v] : marks) ASSERT_EQ(::pwrite(fd.get(), &v, 1, static_cast<off_t>(off)), 1);
}

}  // namespace mblob::test
