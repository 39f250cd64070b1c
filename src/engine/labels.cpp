#include "engine/labels.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace fleche::engine {

namespace {

bool valid_tag_name(const std::string &name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

store::Tag parse_tag(const std::string &text, const std::string &what) {
    auto equals = text.find('=');
    store::Tag tag{text.substr(0, equals),
                   equals == std::string::npos ? "" : text.substr(equals + 1)};
    if (equals == std::string::npos || !valid_tag_name(tag.name))
        throw Error(what + ": '" + text +
                    "' is not a tag; write NAME=VALUE with a NAME of letters, digits, '_', '-' "
                    "or '.'");
    if (tag.value.find_first_of(",\n") != std::string::npos)
        throw Error(what + ": the value of tag '" + tag.name +
                    "' must not contain ',' or a newline");
    return tag;
}

void set_tag(std::vector<store::Tag> &tags, store::Tag tag) {
    auto same = std::find_if(tags.begin(), tags.end(), [&](auto &t) { return t.name == tag.name; });
    if (same != tags.end())
        *same = std::move(tag);
    else
        tags.push_back(std::move(tag));
}

std::vector<std::string> split(const std::string &text, char separator) {
    std::vector<std::string> parts(1);
    for (char c : text)
        if (c == separator)
            parts.emplace_back();
        else
            parts.back() += c;
    return parts;
}

} // namespace

void resolve_labels(RunOptions &options) {
    std::vector<store::Tag> tags;
    std::optional<std::string> name;
    if (const char *inherited = std::getenv(tags_variable)) {
        for (const auto &item : split(inherited, ',')) {
            if (item.empty())
                continue;
            store::Tag tag = parse_tag(item, tags_variable);
            if (tag.name == "name")
                name = tag.value;
            else
                set_tag(tags, std::move(tag));
        }
    }
    for (const auto &text : options.tags) {
        store::Tag tag = parse_tag(text, "--tag");
        if (tag.name == "name")
            throw Error("--tag: 'name' is the entry's label; set it with --name");
        set_tag(tags, std::move(tag));
    }
    if (options.name &&
        (options.name->empty() || options.name->find_first_of(",\n") != std::string::npos))
        throw Error("--name: write a non-empty label without ',' or newlines");
    if (!options.name && name && !name->empty())
        options.name = name;
    options.tags.clear();
    std::string exported;
    for (const auto &tag : tags) {
        options.tags.push_back(tag.name + "=" + tag.value);
        exported += (exported.empty() ? "" : ",") + options.tags.back();
    }
    if (exported.empty())
        ::unsetenv(tags_variable);
    else
        ::setenv(tags_variable, exported.c_str(), 1);
}

Labels entry_labels(const RunOptions &options, const std::string &argv0) {
    Labels labels{options.name.value_or(base_name(argv0)), {}};
    for (const auto &text : options.tags)
        set_tag(labels.tags, parse_tag(text, "--tag"));
    std::sort(labels.tags.begin(), labels.tags.end(),
              [](auto &a, auto &b) { return a.name < b.name; });
    return labels;
}

store::TagFilter parse_tag_filter(const std::string &text) {
    if (text.find('=') == std::string::npos) {
        if (!valid_tag_name(text))
            throw Error("--tag: '" + text + "' is not a tag name; write NAME or NAME=VALUE");
        return {text, std::nullopt};
    }
    store::Tag tag = parse_tag(text, "--tag");
    return {tag.name, tag.value};
}

} // namespace fleche::engine
