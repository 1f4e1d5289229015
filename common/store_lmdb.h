// The state store on one host: LMDB in a folder, shared by every process of the host that
// opens it (FastCGI processes and CGI requests alike). The one place LMDB is used.
#pragma once
#include <lmdb.h>

#include <memory>
#include <string>
#include <vector>

#include "common/state_store.h"

namespace watch {

class LmdbStore final : public StateStore {
   public:
    // The store's size on disk at most; a store that fills up fails (FallbackStore then
    // keeps the process going) after expired values are swept out.
    static constexpr size_t kMapBytes = 64 << 20;

    // Opens the store in `folder`, creating the folder (mode 0700) when it is not there.
    // Refused, with `why`, when the folder is a symlink, belongs to another user or is open
    // to others: on a shared host another account must neither read nor poison it.
    // Call in the process that uses it (an open LMDB environment must not cross a fork).
    [[nodiscard]] static std::unique_ptr<LmdbStore> open(const std::string& folder, std::string& why);
    ~LmdbStore() override;

    void apply(std::vector<StateChange> changes, Done done) override;
    std::string name() const override { return "lmdb " + folder_; }
    std::vector<std::string> keys(const std::string& prefix, size_t max) override;

   private:
    LmdbStore(std::string folder, MDB_env* env, MDB_dbi dbi) : folder_(std::move(folder)), env_(env), dbi_(dbi) {}
    int write(std::vector<StateChange>& changes, long long now);
    int sweep(long long now);

    std::string folder_;
    MDB_env* env_;
    MDB_dbi dbi_;
    long long swept_at_ = 0;
};

}  // namespace watch
