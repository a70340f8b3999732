"""The packages of app/ form a DAG: no import cycle between them, in any direction.

grimp builds the graph from every import in the code (in functions too), so an import
tucked inside a function to dodge a cycle fails this test just the same.
"""
import grimp

# Lower layers first: a package may import only packages before it in this list.
ORDER = ("storage", "core", "jobs", "grid", "catalog", "accounts", "photos", "reports", "moderation",
         "cases", "notifications", "patrols", "stats", "web", "ops")


def package_graph():
    graph = grimp.build_graph("app")
    names = sorted(m.split(".")[1] for m in graph.find_children("app") if m.count(".") == 1)
    return {a: {b for b in names if a != b and graph.direct_import_exists(
        importer=f"app.{a}", imported=f"app.{b}", as_packages=True)} for a in names}


def test_every_package_of_app_is_placed_in_the_dependency_order():
    assert set(package_graph()) <= set(ORDER) | {"__init__"}


def test_no_package_imports_a_package_above_it():
    upward = [(a, b) for a, deps in package_graph().items() for b in deps
              if a in ORDER and ORDER.index(b) > ORDER.index(a)]
    assert upward == []
