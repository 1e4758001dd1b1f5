"""The tfref spec suite: hypothesis properties of the maths, runnable against any implementation.

Run it as the project's tests (``pytest``), or as a conformance check of any module that
implements the contract of docs/contract.md::

    tfref spec --impl spec_tests.reference_numpy --out conformance/
    TFREF_SPEC_IMPL=mypackage.ops pytest spec_tests
    pytest spec_tests --impl mypackage.ops:make_impl
"""
