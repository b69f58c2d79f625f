"""Code bindings for PutCodeBinding's languages, each checked by its own toolchain: the Python
binding imports and parses the course's sample (``OrderPlaced.from_dict(event['detail'])``,
course chapter 18), TypeScript type-checks with tsc, Java compiles with javac."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.schemas import bindings, inference

TYPESCRIPT = "typescript@5.6.3"  # pinned: the compiler the TypeScript3 binding is checked with


@pytest.fixture
def documents(v1_event: dict[str, Any], v2_event: dict[str, Any]) -> dict[str, Any]:
    _, first = inference.discover("com.myapp.orders", "Order Placed", [v1_event["detail"]])
    _, second = inference.discover("com.myapp.orders", "Order Placed", [v2_event["detail"]], first)
    return second


def write(files: dict[str, str], root: Path) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


@pytest.fixture
def python_binding(documents: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    write(bindings.generate("Python36", "com.myapp.orders@OrderPlaced", documents), tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("schema.com_myapp_orders.orderplaced")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "schema" or m.startswith("schema.")]:
            del sys.modules[name]


def test_python_binding_parses_the_course_sample(python_binding: Any, v2_event: dict[str, Any]) -> None:
    order = python_binding.OrderPlaced.from_dict(v2_event["detail"])
    assert f"Order {order.order_id} for ${order.amount}" == "Order order-123 for $299.99"
    assert (order.currency, order.tax, order.items[0].sku) == ("USD", 24.0, "sku-1")
    event = python_binding.AWSEvent.from_dict(v2_event)
    assert event.detail_type == "Order Placed" and event.detail.items[0].quantity == 1
    assert event.to_dict() == v2_event


def test_python_binding_refuses_a_missing_required_field(
    python_binding: Any, v1_event: dict[str, Any]
) -> None:
    del v1_event["detail"]["orderId"]
    with pytest.raises(ValueError, match="required field orderId is missing"):
        python_binding.OrderPlaced.from_dict(v1_event["detail"])
    older = python_binding.OrderPlaced.from_dict({"orderId": "o", "amount": 1, "items": []})
    assert older.currency is None  # version 1 events still parse with the version 2 binding


@pytest.fixture(scope="session")
def tsc() -> Path:
    """tsc from the npm registry, installed once into a cache directory."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js is not installed here, so the TypeScript binding cannot be type-checked")
    cache = (
        Path(os.environ.get("STEPBRIDGE_TOOL_CACHE", Path.home() / ".cache" / "stepbridge")) / "typescript"
    )
    binary = cache / "node_modules" / ".bin" / "tsc"
    if not binary.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache), TYPESCRIPT],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return binary


def test_typescript_binding_type_checks(tsc: Path, documents: dict[str, Any], tmp_path: Path) -> None:
    files = bindings.generate("TypeScript3", "com.myapp.orders@OrderPlaced", documents)
    write(files, tmp_path)
    [module] = files
    use = tmp_path / "use.ts"
    use.write_text(
        f'import {{ Marshaller, OrderPlaced }} from "./{module[:-3]}";\n'
        "const event = Marshaller.unmarshal('{}');\n"
        "const order: OrderPlaced = event.detail;\n"
        "const total: number = order.amount + (order.tax ?? 0);\n"
        "const sku: string = order.items[0].sku;\n"
        "console.log(total, sku, event['detail-type']);\n"
    )
    ok = subprocess.run(
        [str(tsc), "--noEmit", "--strict", str(use)], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The binding's types are real: a wrong use fails to compile.
    use.write_text(
        f'import {{ OrderPlaced }} from "./{module[:-3]}";\n'
        "const o: OrderPlaced = { orderId: 1 } as any;\n"
        "const n: number = o.orderId;\n"
    )
    wrong = subprocess.run(
        [str(tsc), "--noEmit", "--strict", str(use)], capture_output=True, text=True, timeout=120
    )
    assert wrong.returncode != 0 and "TS2322" in wrong.stdout


def test_java_binding_compiles(documents: dict[str, Any], tmp_path: Path) -> None:
    if shutil.which("javac") is None:
        pytest.skip("javac is not installed here, so the Java8 binding cannot be compiled")
    files = bindings.generate("Java8", "com.myapp.orders@OrderPlaced", documents)
    write(files, tmp_path)
    assert "src/main/java/schema/com_myapp_orders/orderplaced/OrderPlaced.java" in files
    built = subprocess.run(
        ["javac", "-d", str(tmp_path / "out"), *[str(tmp_path / path) for path in files]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out/schema/com_myapp_orders/orderplaced/AWSEvent.class").exists()


def test_go_binding_builds(documents: dict[str, Any], tmp_path: Path) -> None:
    if shutil.which("go") is None:
        pytest.skip("the Go toolchain is not installed here, so the Go1 binding cannot be built")
    files = bindings.generate("Go1", "com.myapp.orders@OrderPlaced", documents)
    write(files, tmp_path)
    (tmp_path / "go.mod").write_text("module example.com/binding\n\ngo 1.18\n")
    built = subprocess.run(["go", "vet", "./..."], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr


def test_unknown_language_is_refused(documents: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Language must be one of Python36, TypeScript3, Java8, Go1"):
        bindings.generate("Cobol", "s@T", documents)
