from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExecutionRequest(_message.Message):
    __slots__ = ("challenge_id", "code_version_id", "student_id", "code", "tests", "language", "function_name", "limits", "tolerance", "mode", "callback_url")
    CHALLENGE_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    TESTS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_NAME_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_URL_FIELD_NUMBER: _ClassVar[int]
    challenge_id: str
    code_version_id: str
    student_id: str
    code: str
    tests: _containers.RepeatedCompositeFieldContainer[TestCase]
    language: str
    function_name: str
    limits: Limits
    tolerance: Tolerance
    mode: str
    callback_url: str
    def __init__(self, challenge_id: _Optional[str] = ..., code_version_id: _Optional[str] = ..., student_id: _Optional[str] = ..., code: _Optional[str] = ..., tests: _Optional[_Iterable[_Union[TestCase, _Mapping]]] = ..., language: _Optional[str] = ..., function_name: _Optional[str] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ..., tolerance: _Optional[_Union[Tolerance, _Mapping]] = ..., mode: _Optional[str] = ..., callback_url: _Optional[str] = ...) -> None: ...

class TestCase(_message.Message):
    __slots__ = ("code_version_test_id", "input", "expected_output", "custom_validation_code", "tolerance")
    CODE_VERSION_TEST_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_VALIDATION_CODE_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    code_version_test_id: str
    input: str
    expected_output: str
    custom_validation_code: str
    tolerance: Tolerance
    def __init__(self, code_version_test_id: _Optional[str] = ..., input: _Optional[str] = ..., expected_output: _Optional[str] = ..., custom_validation_code: _Optional[str] = ..., tolerance: _Optional[_Union[Tolerance, _Mapping]] = ...) -> None: ...

class Tolerance(_message.Message):
    __slots__ = ("absolute", "relative")
    ABSOLUTE_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_FIELD_NUMBER: _ClassVar[int]
    absolute: float
    relative: float
    def __init__(self, absolute: _Optional[float] = ..., relative: _Optional[float] = ...) -> None: ...

class Limits(_message.Message):
    __slots__ = ("timeout_s", "memory_mb", "cpus", "compile_timeout_s", "compile_memory_mb")
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    COMPILE_TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    COMPILE_MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    timeout_s: float
    memory_mb: int
    cpus: float
    compile_timeout_s: float
    compile_memory_mb: int
    def __init__(self, timeout_s: _Optional[float] = ..., memory_mb: _Optional[int] = ..., cpus: _Optional[float] = ..., compile_timeout_s: _Optional[float] = ..., compile_memory_mb: _Optional[int] = ...) -> None: ...

class ExecutionResponse(_message.Message):
    __slots__ = ("approved_tests", "completed", "execution_time_ms", "total_tests", "passed_tests", "failed_tests", "success", "message", "error_message", "error_type", "execution_id", "verdict", "test_results", "cpu_time_ms", "peak_memory_mb", "compile_output")
    APPROVED_TESTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TESTS_FIELD_NUMBER: _ClassVar[int]
    PASSED_TESTS_FIELD_NUMBER: _ClassVar[int]
    FAILED_TESTS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    TEST_RESULTS_FIELD_NUMBER: _ClassVar[int]
    CPU_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    PEAK_MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    COMPILE_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    approved_tests: _containers.RepeatedScalarFieldContainer[str]
    completed: bool
    execution_time_ms: int
    total_tests: int
    passed_tests: int
    failed_tests: int
    success: bool
    message: str
    error_message: str
    error_type: str
    execution_id: str
    verdict: str
    test_results: _containers.RepeatedCompositeFieldContainer[TestResult]
    cpu_time_ms: int
    peak_memory_mb: float
    compile_output: str
    def __init__(self, approved_tests: _Optional[_Iterable[str]] = ..., completed: _Optional[bool] = ..., execution_time_ms: _Optional[int] = ..., total_tests: _Optional[int] = ..., passed_tests: _Optional[int] = ..., failed_tests: _Optional[int] = ..., success: _Optional[bool] = ..., message: _Optional[str] = ..., error_message: _Optional[str] = ..., error_type: _Optional[str] = ..., execution_id: _Optional[str] = ..., verdict: _Optional[str] = ..., test_results: _Optional[_Iterable[_Union[TestResult, _Mapping]]] = ..., cpu_time_ms: _Optional[int] = ..., peak_memory_mb: _Optional[float] = ..., compile_output: _Optional[str] = ...) -> None: ...

class TestResult(_message.Message):
    __slots__ = ("code_version_test_id", "passed", "status", "message", "expected", "actual", "expression", "duration_ms", "stdout")
    CODE_VERSION_TEST_ID_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    STDOUT_FIELD_NUMBER: _ClassVar[int]
    code_version_test_id: str
    passed: bool
    status: str
    message: str
    expected: str
    actual: str
    expression: str
    duration_ms: int
    stdout: str
    def __init__(self, code_version_test_id: _Optional[str] = ..., passed: _Optional[bool] = ..., status: _Optional[str] = ..., message: _Optional[str] = ..., expected: _Optional[str] = ..., actual: _Optional[str] = ..., expression: _Optional[str] = ..., duration_ms: _Optional[int] = ..., stdout: _Optional[str] = ...) -> None: ...

class GetExecutionRequest(_message.Message):
    __slots__ = ("execution_id",)
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    def __init__(self, execution_id: _Optional[str] = ...) -> None: ...

class ExecutionDetails(_message.Message):
    __slots__ = ("execution_id", "status", "result", "challenge_id", "code_version_id", "student_id", "language", "created_at", "finished_at")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    status: str
    result: ExecutionResponse
    challenge_id: str
    code_version_id: str
    student_id: str
    language: str
    created_at: str
    finished_at: str
    def __init__(self, execution_id: _Optional[str] = ..., status: _Optional[str] = ..., result: _Optional[_Union[ExecutionResponse, _Mapping]] = ..., challenge_id: _Optional[str] = ..., code_version_id: _Optional[str] = ..., student_id: _Optional[str] = ..., language: _Optional[str] = ..., created_at: _Optional[str] = ..., finished_at: _Optional[str] = ...) -> None: ...

class ListLanguagesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLanguagesResponse(_message.Message):
    __slots__ = ("languages",)
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    languages: _containers.RepeatedCompositeFieldContainer[Language]
    def __init__(self, languages: _Optional[_Iterable[_Union[Language, _Mapping]]] = ...) -> None: ...

class Language(_message.Message):
    __slots__ = ("name", "display_name", "image", "runtime_version", "modes", "file_extensions", "default_limits")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_VERSION_FIELD_NUMBER: _ClassVar[int]
    MODES_FIELD_NUMBER: _ClassVar[int]
    FILE_EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_LIMITS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    image: str
    runtime_version: str
    modes: _containers.RepeatedScalarFieldContainer[str]
    file_extensions: _containers.RepeatedScalarFieldContainer[str]
    default_limits: Limits
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., image: _Optional[str] = ..., runtime_version: _Optional[str] = ..., modes: _Optional[_Iterable[str]] = ..., file_extensions: _Optional[_Iterable[str]] = ..., default_limits: _Optional[_Union[Limits, _Mapping]] = ...) -> None: ...
