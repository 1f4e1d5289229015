// Test support: templates with their values by name, as tests write them (the handler
// compiles against a list of names and passes values by position).
#pragma once
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/templates.h"

namespace testing {

using TemplateValues = std::map<std::string, std::string>;  // an absent name renders empty

// Compiled against `known`, in its (sorted) order.
inline watch::Template compile_known(std::string_view name, std::string_view source, const std::set<std::string>& known,
                                     const watch::Template::Loader& load = nullptr) {
    return watch::Template::compile(name, source, std::vector<std::string>(known.begin(), known.end()), load);
}

// Rendered with `values` by name; `t` compiled by compile_known with the same `known`.
inline std::string render_known(const watch::Template& t, const std::set<std::string>& known,
                                const TemplateValues& values) {
    std::vector<std::string_view> by_slot;
    for (const std::string& name : known) {
        auto it = values.find(name);
        by_slot.push_back(it == values.end() ? std::string_view() : std::string_view(it->second));
    }
    return t.render(by_slot.data(), by_slot.size());
}

}  // namespace testing
