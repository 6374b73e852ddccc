/*
 * bench_parse_simdjson.cpp - simdjson over the documents bench_parse
 * writes (bench_parse --dump DIR): the parse floor of a SIMD parser. A
 * study for issue 11 (docs/capture-speed.md), not production code (the
 * library is C11; simdjson is C++17).
 *
 *   dom            parser.parse: full validation into the tape (the
 *                  whole document is checked; UTF-8 too)
 *   dom+walk       the same, then every value visited (what a
 *                  validator walking a tree costs on top)
 *   ondemand walk  the on-demand front end visiting every value
 *                  (validation happens as values are reached)
 *
 * Usage: bench_parse_simdjson DIR EVENTS
 */
#include <simdjson.h>

#include <time.h>
#include <time.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <dirent.h>

using namespace simdjson;

static size_t walk_dom(dom::element e)
{
    size_t n = 1;

    switch (e.type()) {
    case dom::element_type::ARRAY:
        for (dom::element x : dom::array(e))
            n += walk_dom(x);
        break;
    case dom::element_type::OBJECT:
        for (dom::key_value_pair kv : dom::object(e))
            n += kv.key.size() + walk_dom(kv.value);
        break;
    case dom::element_type::STRING: n += std::string_view(e).size(); break;
    default: break;
    }
    return n;
}

static size_t walk_od(ondemand::value v)
{
    size_t n = 1;

    switch (v.type()) {
    case ondemand::json_type::array:
        for (auto x : v.get_array())
            n += walk_od(x.value());
        break;
    case ondemand::json_type::object:
        for (auto f : v.get_object()) {
            n += f.unescaped_key().value().size();
            n += walk_od(f.value());
        }
        break;
    case ondemand::json_type::string:
        n += v.get_string().value().size();
        break;
    case ondemand::json_type::number: (void)v.get_double(); break;
    case ondemand::json_type::boolean: (void)v.get_bool(); break;
    default: (void)v.is_null(); break;
    }
    return n;
}

/* CPU time of this single-threaded process, as bench_parse and
 * bench_hash measure. */
static double now()
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_parse_simdjson DIR EVENTS\n");
        return 2;
    }
    std::vector<std::string> names;
    DIR *d = opendir(argv[1]);
    for (dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.')
            names.push_back(std::string(argv[1]) + "/" + e->d_name);
    if (d)
        closedir(d);
    std::vector<padded_string> docs;
    size_t bytes = 0;
    for (auto &n : names) {
        docs.push_back(padded_string::load(n).value());
        bytes += docs.back().size();
    }
    double events = std::atof(argv[2]);
    std::printf("bench_parse_simdjson: %zu documents, %.1f MB, "
                "implementation %s\n",
                docs.size(), bytes / 1e6,
                get_active_implementation()->name().c_str());
    for (int mode = 0; mode < 3; mode++) {
        static const char *const NAME[] = {"simdjson dom", "simdjson dom+walk",
                                           "simdjson ondemand"};
        dom::parser dp;
        ondemand::parser op;
        double best = 1e30;
        size_t sink = 0;

        for (int round = 0; round < 3; round++) {
            double t0 = now();
            for (auto &p : docs) {
                if (mode < 2) {
                    dom::element root;
                    if (dp.parse(p).get(root)) {
                        std::printf("parse error\n");
                        return 1;
                    }
                    if (mode == 1)
                        sink += walk_dom(root);
                } else {
                    ondemand::document doc = op.iterate(p);
                    sink += walk_od(doc.get_value().value());
                }
            }
            double t = now() - t0;
            if (t < best)
                best = t;
        }
        std::printf("%-18s %10.0f events/s %8.1f MB/s %8.2f us/event (%zu)\n",
                    NAME[mode], events / best, bytes / best / 1e6,
                    best * 1e6 / events, sink % 7);
    }
    return 0;
}
